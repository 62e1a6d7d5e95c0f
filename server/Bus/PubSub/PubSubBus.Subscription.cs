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
    /// Makes sure the topic exists and this instance has a subscription on it. The subscription first: the
    /// shared topic is nearly always there already, so a normal start is one round trip to Pub/Sub. Only
    /// when Pub/Sub answers that the topic is not found is it checked for, made, and the subscription tried again.
    /// </summary>
    /// <param name="replaceStale">At start, a subscription by our name is an earlier life's and is replaced; later it is our own and is kept.</param>
    private async Task PrepareAsync(bool replaceStale, CancellationToken cancellationToken)
    {
        try
        {
            await CreateSubscriptionAsync(replaceStale, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            await EnsureTopicAsync(cancellationToken);
            await CreateSubscriptionAsync(replaceStale, cancellationToken);
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
    /// Creates the subscription. If one by this name survives from an earlier life of this machine,
    /// it is replaced: its backlog is stale and must not be replayed to today's clients. Recreating our
    /// own after it went missing, one that exists after all is ours, backlog and all, and is kept.
    /// </summary>
    private async Task CreateSubscriptionAsync(bool replaceStale, CancellationToken cancellationToken)
    {
        // Taken before the call: a message published while it is in flight may or may not be kept.
        var createdAt = _clock.GetUtcNow();
        try
        {
            await CreateAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && replaceStale)
        {
            Log.ReplacingStaleSubscription(_logger, _names.Subscription);
            await DeleteAsync(cancellationToken);
            await CreateAsync(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }
        _created = true;
        _health.Subscribed(createdAt);
        Log.SubscriptionCreated(_logger, _names.Subscription, _names.Topic);
    }

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

    private volatile bool _deleting;
    private volatile bool _created;

    public async Task<string?> DeleteSubscriptionAsync(CancellationToken cancellationToken)
    {
        _deleting = true;
        if (!_created)
        {
            Log.NothingToDelete(_logger, _names.Subscription);
            return null;
        }
        try
        {
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
    }

    private Task DeleteAsync(CancellationToken cancellationToken) =>
        _subscriber.DeleteSubscriptionAsync(
            new DeleteSubscriptionRequest { Subscription = _names.Subscription },
            deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken).ResponseAsync;
}
