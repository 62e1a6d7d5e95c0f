using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

internal sealed partial class PubSubBus
{
    // The API's minimum. We ack right after fan-out, so this only bounds how long a message handed to
    // a stream that then died (a crashed or replaced predecessor's) waits before Pub/Sub redelivers it.
    private const int StreamAckDeadlineSeconds = 10;
    private const int MaxOutstandingMessages = 1000;
    // Unique per process: the API ties stream state to client_id, and a restarted machine (same
    // FLY_ALLOC_ID) is a new client whose messages must not be handed to its dead predecessor's streams.
    private readonly string _clientId = Guid.NewGuid().ToString("N");
    private CancellationTokenSource? _stream;
    private string? _restartReason;

    public async Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), _clock);
        bool prepared = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Volatile.Write(ref _stream, stream);
            try
            {
                if (!prepared)
                {
                    await PrepareAsync(cancellationToken);
                    prepared = true;
                    _health.Set(BusState.Ready, $"subscribed as {_names.Subscription}");
                }
                await PullAsync(handler, backoff, stream.Token);
                Log.StreamEnded(_logger, _names.Subscription);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested
                && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }
            catch (Exception e) when (stream.IsCancellationRequested
                && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                Log.StreamRestarted(_logger, _names.Subscription, _restartReason ?? "requested");
                _metrics.StreamRestarted("requested");
                continue;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && _deleting)
            {
                // Our own shutdown deleted it; wait for the cancellation that follows.
                await _clock.TryDelayAsync(Timeout.InfiniteTimeSpan, cancellationToken);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && prepared)
            {
                // Deleted under us (by an operator, the sweeper, expiry, or an emulator restart): make it again.
                Log.SubscriptionMissing(_logger, _names.Subscription);
                _metrics.StreamRestarted("subscription_missing");
                prepared = false;
                _health.Set(BusState.Degraded, "subscription disappeared; recreating it");
            }
            catch (RpcException e)
            {
                Log.BusCallFailed(_logger, prepared ? "pull stream" : "subscription setup", e.StatusCode, e.Status.Detail);
                _metrics.StreamRestarted("error");
                _health.Set(prepared ? BusState.Degraded : BusState.Starting, $"Pub/Sub {(prepared ? "stream" : "setup")} failing: {e.StatusCode}");
            }
            if (!await backoff.WaitAsync(cancellationToken))
                return;
        }
    }

    public void RestartStream(string reason)
    {
        _restartReason = reason;
        Volatile.Read(ref _stream)?.Cancel();
    }

    /// <summary>
    /// One StreamingPull stream, from open until the server ends it. Messages are acknowledged
    /// per response, after every message in it has been handed to the local fan-out.
    /// </summary>
    private async Task PullAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Backoff backoff, CancellationToken cancellationToken)
    {
        using var call = _subscriber.StreamingPull(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new StreamingPullRequest
        {
            Subscription = _names.Subscription,
            StreamAckDeadlineSeconds = StreamAckDeadlineSeconds,
            ClientId = _clientId,
            MaxOutstandingMessages = MaxOutstandingMessages,
        }, cancellationToken);

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            var acks = new StreamingPullRequest();
            foreach (var received in response.ReceivedMessages)
            {
                await HandleAsync(handler, received, cancellationToken);
                acks.AckIds.Add(received.AckId);
            }
            await call.RequestStream.WriteAsync(acks, cancellationToken);
            if (!_health.IsReady)
                _health.Set(BusState.Ready, $"subscribed as {_names.Subscription}");
            backoff.Reset();
        }
    }

    // A handler failure is a bug in this server, not in the message; acknowledging anyway keeps
    // one bad message from being redelivered forever and stalling everything behind it.
    private async ValueTask HandleAsync(Func<BusMessage, CancellationToken, ValueTask> handler, ReceivedMessage received, CancellationToken cancellationToken)
    {
        var message = received.Message;
        var publishTime = message.PublishTime?.ToDateTimeOffset() ?? _clock.GetUtcNow();
        try
        {
            await handler(new BusMessage(message.MessageId, message.Data.Memory, publishTime), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.HandlerFailed(_logger, message.MessageId, e);
        }
    }
}
