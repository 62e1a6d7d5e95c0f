using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

internal sealed partial class PubSubBus
{
    // The shortest the API allows, so a crashed instance's leftovers expire and stay small.
    private static readonly Duration ExpirationTtl = Duration.FromTimeSpan(TimeSpan.FromDays(1));
    private static readonly Duration MessageRetention = Duration.FromTimeSpan(TimeSpan.FromMinutes(10));
    private const int AckDeadlineSeconds = 10;

    /// <summary>
    /// Makes sure the topic exists and this process has a subscription on it. The subscription first: the
    /// shared topic is nearly always there already, so a normal start is one round trip to Pub/Sub. Only
    /// when Pub/Sub answers that the topic is not found is it checked for, made, and the subscription tried again.
    /// </summary>
    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CreateSubscriptionAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            await EnsureTopicAsync(cancellationToken);
            await CreateSubscriptionAsync(cancellationToken);
        }
    }

    // GetTopic first: a service account allowed to read but not create topics still works
    // when the topic is already there. ALREADY_EXISTS means another instance won the race.
    private async Task EnsureTopicAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _publisher.GetTopicAsync(new GetTopicRequest { Topic = _names.Topic }, deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken);
            return;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
        try
        {
            await _publisher.CreateTopicAsync(new Topic { Name = _names.Topic }, deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken);
            Log.TopicCreated(_logger, _names.Topic);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }
    }

    /// <summary>
    /// Creates the subscription. Its name is this process's own (a new boot id each start), so one that
    /// exists already is ours: made by a call that timed out here but went through, or made before it went
    /// missing. It is kept, backlog and all; and if it went missing only by a NOT_FOUND answer, no call of ours
    /// can have made it since, and it is still on the topic, it never went: nothing was missed.
    /// </summary>
    private async Task CreateSubscriptionAsync(CancellationToken cancellationToken)
    {
        // Taken before the call: a message published while it is in flight may or may not be kept.
        var createdAt = _clock.GetUtcNow();
        bool existed = false;
        await _subscriptionGate.WaitAsync(cancellationToken);
        try
        {
            // Shutdown has deleted it, or is about to: made now, it would be left behind.
            if (_deleting)
                throw new OperationCanceledException("Stopping: the subscription is not made again.");
            // Set before the call: one that times out here may have made it all the same, and shutdown must then delete it.
            _created = true;
            await CreateAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            existed = true;
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Unavailable or StatusCode.Unknown or StatusCode.Internal))
        {
            // Refused outright (no permission, no topic): nothing was made.
            _created = _prepared;
            throw;
        }
        catch (RpcException)
        {
            _madeUnseen = true;
            throw;
        }
        finally
        {
            _subscriptionGate.Release();
        }
        if (existed && _answeredMissing && !_madeUnseen && await StillOnTopicAsync(cancellationToken))
        {
            _health.SubscriptionFound();
            Log.SubscriptionFound(_logger, _names.Subscription);
        }
        else
        {
            _health.Subscribed(createdAt);
            Log.SubscriptionCreated(_logger, _names.Subscription, _names.Topic);
        }
        _answeredMissing = _madeUnseen = false;
    }

    /// <summary>Whether the subscription found existing is on the topic; one left on a deleted topic is checked again before the stream opens.</summary>
    private async Task<bool> StillOnTopicAsync(CancellationToken cancellationToken)
    {
        try
        {
            string? topic = await AttachedTopicAsync(cancellationToken);
            _checkAttachment |= topic == DeletedTopic;
            return topic == _names.Topic;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }

    // Pub/Sub answered NOT_FOUND for the subscription (not our own deletion of it), and it has not been made again since.
    private bool _answeredMissing;
    // A create since then ended without saying whether it made the subscription.
    private bool _madeUnseen;

    private Task CreateAsync(CancellationToken cancellationToken) =>
        _subscriber.CreateSubscriptionAsync(new Subscription
        {
            Name = _names.Subscription,
            Topic = _names.Topic,
            AckDeadlineSeconds = AckDeadlineSeconds,
            MessageRetentionDuration = MessageRetention,
            ExpirationPolicy = new ExpirationPolicy { Ttl = ExpirationTtl },
            Labels =
            {
                ["app"] = "notifications",
                ["instance"] = PubSubNames.LabelValue(_instance.InstanceId),
                ["region"] = PubSubNames.LabelValue(_instance.Region),
            },
        }, deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken).ResponseAsync;

    // Creating and deleting take turns: a delete waits for a create in flight, which may yet make the subscription.
    private readonly SemaphoreSlim _subscriptionGate = new(1, 1);
    private volatile bool _deleting;
    private volatile bool _created;

    public async Task<string?> DeleteSubscriptionAsync(CancellationToken cancellationToken)
    {
        _deleting = true;
        try
        {
            await _subscriptionGate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return "the shutdown budget ran out first";
        }
        try
        {
            if (!_created)
            {
                Log.NothingToDelete(_logger, _names.Subscription);
                return null;
            }
            await DeleteAsync(cancellationToken);
            Log.SubscriptionDeleted(_logger, _names.Subscription);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            Log.SubscriptionAlreadyGone(_logger, _names.Subscription);
            return null;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            return $"{e.StatusCode}: {RpcFailure.Describe(e, _endpoint)}";
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            return "the shutdown budget ran out first";
        }
        finally
        {
            _subscriptionGate.Release();
        }
    }

    private Task DeleteAsync(CancellationToken cancellationToken) =>
        _subscriber.DeleteSubscriptionAsync(
            new DeleteSubscriptionRequest { Subscription = _names.Subscription },
            deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken).ResponseAsync;
}
