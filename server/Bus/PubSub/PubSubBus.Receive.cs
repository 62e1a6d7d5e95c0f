using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

/// <summary>The receive loop: prepare the subscription, then keep one stream open, reopening it with backoff whatever ends it.</summary>
internal sealed partial class PubSubBus
{
    // The API's minimum. We ack right after fan-out, so this only bounds how long a message handed to
    // one of our streams that then died waits before Pub/Sub redelivers it.
    private const int StreamAckDeadlineSeconds = 10;
    private const int MaxOutstandingMessages = 1000;
    // Pub/Sub stops handing a stream messages once this much is unacknowledged; it keeps a response within the channel's receive limit.
    private const long MaxOutstandingBytes = 10 * 1024 * 1024;
    // Unique per process, like the subscription's name: the API ties stream state to client_id.
    private readonly string _clientId = Guid.NewGuid().ToString("N");
    private bool _prepared;

    private enum Next
    {
        Reopen,
        Backoff,
        Stop,
    }

    public async Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Action caughtUp, CancellationToken cancellationToken)
    {
        // Short first waits, so a routine stream end costs well under a second; long ones only while failing,
        // and any recovery elsewhere (a publish getting through) cuts the wait short.
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), _clock);
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = await RunOnceAsync(handler, caughtUp, backoff, cancellationToken);
            if (next == Next.Stop || next == Next.Backoff && !await backoff.WaitAsync(_health.NextRecovery, cancellationToken))
                return;
        }
    }

    /// <summary>Prepares the subscription if it must, then runs one stream until it ends; says what to do next.</summary>
    private async Task<Next> RunOnceAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Action caughtUp, Backoff backoff, CancellationToken cancellationToken)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A restart asked before this point was for a stream that has ended, however it ended; one asked from here on finds this run.
        var run = new StreamRun(stream);
        Volatile.Write(ref _run, run);
        try
        {
            if (!_prepared)
            {
                await PrepareAsync(cancellationToken);
                _prepared = true;
            }
            if (_checkAttachment && await ReattachAsync(cancellationToken) is { } after)
                return after;
            await PullAsync(handler, caughtUp, backoff, run);
            if (Restarted(run))
                return Next.Reopen;
            if (EndAttempt(countEnd: true) && Flapping)
                _health.Receive.Failed(StatusCode.OK, Flapped("ended without an error"));
            else
                StreamEnded(StatusCode.OK);
            return Next.Backoff;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && IsCancellation(e))
        {
            return Next.Stop;
        }
        catch (Exception e) when (stream.IsCancellationRequested && IsCancellation(e) && Restarted(run))
        {
            return Next.Reopen;
        }
        catch (Exception e) when (_deleting && e is RpcException { StatusCode: StatusCode.NotFound } or OperationCanceledException)
        {
            // Our own shutdown deleted it, or stopped it being made again; wait for the cancellation that follows.
            await _clock.TryDelayAsync(Timeout.InfiniteTimeSpan, cancellationToken);
            return Next.Stop;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && _prepared)
        {
            SubscriptionMissing();
            return Next.Backoff;
        }
        catch (RpcException) when (_prepared && Restarted(run))
        {
            // Asked to restart, the stream ended with a status of its own (a reset racing the half-close): reopen as asked.
            return Next.Reopen;
        }
        catch (RpcException e)
        {
            Failed(e);
            return Next.Backoff;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug here, not Pub/Sub refusing: say so loudly, and keep receiving rather than stop the host.
            EndAttempt();
            Log.ReceiveLoopFailed(_logger, e);
            _health.Receive.Failed(StatusCode.Unknown, e.Message);
            return Next.Backoff;
        }
        finally
        {
            await stream.CancelAsync();
            // The run's call and cancellation go with it, not kept until the next run (or for good, once stopped).
            Interlocked.CompareExchange(ref _run, null, run);
        }
    }

    /// <summary>Deleted under us (by an operator, the sweeper, expiry, or an emulator restart): make it again.</summary>
    private void SubscriptionMissing()
    {
        Log.SubscriptionMissing(_logger, _names.Subscription);
        Lost("subscription_missing", "subscription disappeared; recreating it");
        _answeredMissing = true;
    }

    /// <summary>The subscription is gone, or was deleted here: it is to be made again, and what was published meanwhile is missed.</summary>
    private void Lost(string metric, string why)
    {
        EndAttempt();
        _metrics.StreamRestarted(metric);
        _prepared = false;
        _health.SubscriptionLost(why);
        _health.Receive.Pending("waiting for the subscription to be made again");
    }

    /// <summary>
    /// Checks whether the subscription has been left behind by its topic's deletion: Pub/Sub keeps it, attached to
    /// <c>_deleted-topic_</c>, and its streams open and stay silent, even once the topic is made again. If so, deletes it
    /// and counts it lost, for it (and the topic, if it is still missing) to be made again: then says to reopen, or to
    /// back off if the deletion failed; null to go on as before. Asked after a starved stream and when a publish finds
    /// the topic gone, the two ways such silence shows.
    /// </summary>
    private async Task<Next?> ReattachAsync(CancellationToken cancellationToken)
    {
        _checkAttachment = false;
        if (await AttachedTopicAsync(cancellationToken) != DeletedTopic)
            return null;
        if (!_toldDetached)
            Log.SubscriptionDetached(_logger, _names.Subscription, DeletedTopic, _names.Topic);
        _toldDetached = true;
        await _subscriptionGate.WaitAsync(cancellationToken);
        try
        {
            // Shutdown deletes it, and nothing is made again.
            if (_deleting)
                throw new OperationCanceledException("Stopping: the subscription is not made again.");
            await DeleteAsync(cancellationToken);
            _created = false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            _created = false;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Asked again before the next stream, which would only be as silent.
            _checkAttachment = true;
            EndAttempt();
            _health.Receive.Failed(e.StatusCode, $"subscription {_names.Subscription} is left on a deleted topic and could not be deleted: {RpcFailure.Describe(e, _endpoint)}");
            return Next.Backoff;
        }
        finally
        {
            _subscriptionGate.Release();
        }
        _toldDetached = false;
        Lost("subscription_detached", "the topic was deleted; making the subscription again on it");
        return Next.Reopen;
    }

    /// <summary>The topic the subscription is attached to, or null if Pub/Sub would not say (then logged once); NOT_FOUND is thrown, as for a stream.</summary>
    private async Task<string?> AttachedTopicAsync(CancellationToken cancellationToken)
    {
        try
        {
            var subscription = await _subscriber.GetSubscriptionAsync(new GetSubscriptionRequest { Subscription = _names.Subscription },
                deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken);
            _toldUnchecked = false;
            return subscription.Topic;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.NotFound && !cancellationToken.IsCancellationRequested)
        {
            // A role without the right to read subscriptions, or Pub/Sub busy: the stream is worth reopening all the same.
            if (!_toldUnchecked)
                Log.AttachmentUnchecked(_logger, _names.Subscription, e.StatusCode);
            _toldUnchecked = true;
            return null;
        }
    }

    /// <summary>A publish found the topic gone: the subscription is checked before the stream is reopened (<see cref="ReattachAsync"/>).</summary>
    private void TopicMissing()
    {
        _checkAttachment = true;
        // While the subscription is being made, the topic is made with it if missing: a restart would only cut that short.
        if (_prepared)
            RestartStream("the topic was not found");
    }

    private volatile bool _checkAttachment;
    private bool _toldDetached, _toldUnchecked;
    // What Pub/Sub sets a subscription's topic to when the topic is deleted.
    private const string DeletedTopic = "_deleted-topic_";

    private static bool IsCancellation(Exception e) => e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };

    /// <summary>
    /// A call failed: setup, a stream Pub/Sub would not open, or one it ended after opening. An open stream's
    /// end is routine (no warning) when its status is one Google ends streams with; ended with any other (a key
    /// revoked, a permission taken away), it is a failure, or a stream that opens and is then cut off again and
    /// again would never be reported. So are routine statuses once streams keep ending within seconds (<see cref="Flapping"/>).
    /// </summary>
    private void Failed(RpcException e)
    {
        string detail = RpcFailure.Describe(e, _endpoint);
        if (!_prepared)
            _health.Setup.Failed(e.StatusCode, detail);
        else if (EndAttempt(countEnd: true) && IsRoutineEnd(e.StatusCode) && !Flapping)
            StreamEnded(e.StatusCode);
        else
            _health.Receive.Failed(e.StatusCode, Flapping ? Flapped(detail) : detail);
    }

    private static string Flapped(string detail) => $"{detail}; streams keep ending within {ShortLived.TotalSeconds:0} s of opening";

    /// <summary>The statuses Pub/Sub ends open streams with now and then, which its own clients reopen at once.</summary>
    private static bool IsRoutineEnd(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.Internal or StatusCode.Aborted or StatusCode.Unknown or StatusCode.ResourceExhausted or StatusCode.Cancelled or StatusCode.OK;

    /// <summary>An open stream ended, as Google ends every stream now and then: reopen it at once.</summary>
    private void StreamEnded(StatusCode status)
    {
        EndAttempt();
        Log.StreamEnded(_logger, _names.Subscription, status);
        _metrics.StreamRestarted("ended", status);
        _health.Receive.Pending($"reopening after the stream ended with {status}");
    }

    /// <summary>True, after saying so, if the stream that just ended was one we asked to restart.</summary>
    private bool Restarted(StreamRun run)
    {
        if (Interlocked.Exchange(ref run.RestartReason, null) is not { } reason)
            return false;
        // Restarts are asked when the stream went silent: the subscription may be the cause (ReattachAsync).
        _checkAttachment = true;
        EndAttempt();
        Log.StreamRestarted(_logger, _names.Subscription, reason);
        _metrics.StreamRestarted("requested");
        _health.Receive.Pending("restarting");
        return true;
    }
}
