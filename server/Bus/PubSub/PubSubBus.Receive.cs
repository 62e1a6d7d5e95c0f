using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

internal sealed partial class PubSubBus
{
    // The API's minimum. We ack right after fan-out, so this only bounds how long a message handed to
    // a stream that then died (a crashed or replaced predecessor's) waits before Pub/Sub redelivers it.
    private const int StreamAckDeadlineSeconds = 10;
    private const int MaxOutstandingMessages = 1000;
    // A (re)opened stream counts as open at its first response, or once it has stayed up this long without
    // being refused: Pub/Sub refuses a stream it will not serve at once, and the emulator sends no response
    // headers before its first message, so headers cannot tell. Each open also asks for a heartbeat, whose
    // echo normally confirms the stream within a round trip.
    private static readonly TimeSpan AcceptanceWindow = TimeSpan.FromMilliseconds(500);
    // A stream we end ourselves is half-closed first and given this long to end: cancelled outright, the
    // emulator goes on handing it messages until their ack deadline, which then arrive 10 s late.
    private static readonly TimeSpan RestartGrace = TimeSpan.FromSeconds(1);
    // Unique per process: the API ties stream state to client_id, and a restarted machine (same
    // FLY_ALLOC_ID) is a new client whose messages must not be handed to its dead predecessor's streams.
    private readonly string _clientId = Guid.NewGuid().ToString("N");
    private readonly Lock _streamGate = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private CancellationTokenSource? _stream;
    private AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse>? _call;
    private string? _restartReason;
    private object? _halfClosed;
    private int _attempt;
    private bool _confirmed;

    public async Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        // Short first waits, so a routine stream end costs well under a second; long ones only while failing,
        // and any recovery elsewhere (a publish getting through) cuts the wait short.
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), _clock);
        bool prepared = false, everPrepared = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Volatile.Write(ref _stream, stream);
            try
            {
                if (!prepared)
                {
                    await PrepareAsync(replaceStale: !everPrepared, cancellationToken);
                    prepared = everPrepared = true;
                }
                await PullAsync(handler, backoff, stream.Token);
                if (!Restarted())
                    StreamEnded(StatusCode.OK);
                else
                    continue;
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && IsCancellation(e))
            {
                return;
            }
            catch (Exception e) when (stream.IsCancellationRequested && IsCancellation(e) && Restarted())
            {
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
                EndAttempt();
                Log.SubscriptionMissing(_logger, _names.Subscription);
                _metrics.StreamRestarted("subscription_missing");
                prepared = false;
                _health.SubscriptionLost("subscription disappeared; recreating it");
                _health.Receive.Pending("waiting for the subscription to be made again");
            }
            catch (RpcException e)
            {
                Failed(e, prepared);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug here, not Pub/Sub refusing: say so loudly, and keep receiving rather than stop the host.
                EndAttempt();
                Log.ReceiveLoopFailed(_logger, e);
                _health.Receive.Failed(StatusCode.Unknown, e.Message);
            }
            finally
            {
                await stream.CancelAsync();
            }
            if (!await backoff.WaitAsync(_health.NextRecovery, cancellationToken))
                return;
        }
    }

    private static bool IsCancellation(Exception e) => e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };

    /// <summary>A call failed: setup, a stream Pub/Sub would not open, or one it ended after opening (routine: no warning).</summary>
    private void Failed(RpcException e, bool prepared)
    {
        string detail = RpcFailure.Describe(e, _endpoint);
        if (!prepared)
            _health.Setup.Failed(e.StatusCode, detail);
        else if (EndAttempt())
            StreamEnded(e.StatusCode);
        else
            _health.Receive.Failed(e.StatusCode, detail);
    }

    /// <summary>An open stream ended, as Google ends every stream now and then: reopen it at once.</summary>
    private void StreamEnded(StatusCode status)
    {
        EndAttempt();
        Log.StreamEnded(_logger, _names.Subscription, status);
        _metrics.StreamRestarted("ended", status);
        _health.Receive.Pending($"reopening after the stream ended with {status}");
    }

    /// <summary>True, after saying so, if the stream that just ended was one we asked to restart.</summary>
    private bool Restarted()
    {
        if (Interlocked.Exchange(ref _restartReason, null) is not { } reason)
            return false;
        EndAttempt();
        Log.StreamRestarted(_logger, _names.Subscription, reason);
        _metrics.StreamRestarted("requested");
        _health.Receive.Pending("restarting");
        return true;
    }

    public void RestartStream(string reason)
    {
        if (Interlocked.CompareExchange(ref _restartReason, reason, null) is null)
            _ = EndGracefullyAsync(Volatile.Read(ref _stream), Volatile.Read(ref _call));
    }

    /// <summary>Half-closes the stream, so Pub/Sub ends it and hands it nothing more; cancels it if that takes too long.</summary>
    private async Task EndGracefullyAsync(CancellationTokenSource? stream, AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse>? call)
    {
        if (stream is null)
            return;
        try
        {
            var token = stream.Token;
            if (call is not null)
            {
                await _writing.WaitAsync(token);
                try
                {
                    Volatile.Write(ref _halfClosed, call);
                    await call.RequestStream.CompleteAsync();
                }
                finally
                {
                    _writing.Release();
                }
            }
            await Task.Delay(RestartGrace, _clock, token);
            await stream.CancelAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or RpcException or InvalidOperationException)
        {
            // The stream ended (as asked) or was already gone.
        }
    }

    /// <summary>
    /// One StreamingPull stream, from open until the server ends it. Messages are acknowledged
    /// per response, after every message in it has been handed to the local fan-out.
    /// </summary>
    private async Task PullAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Backoff backoff, CancellationToken cancellationToken)
    {
        using var call = _subscriber.StreamingPull(cancellationToken: cancellationToken);
        await WriteAsync(call, new StreamingPullRequest
        {
            Subscription = _names.Subscription,
            StreamAckDeadlineSeconds = StreamAckDeadlineSeconds,
            ClientId = _clientId,
            MaxOutstandingMessages = MaxOutstandingMessages,
        }, cancellationToken);
        Volatile.Write(ref _call, call);
        int attempt = BeginAttempt();
        _ = ConfirmLaterAsync(attempt, backoff, cancellationToken);
        _health.RequestProbe();

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            Confirm(attempt, backoff);
            var acks = new StreamingPullRequest();
            foreach (var received in response.ReceivedMessages)
            {
                await HandleAsync(handler, received, cancellationToken);
                acks.AckIds.Add(received.AckId);
            }
            await WriteAsync(call, acks, cancellationToken);
        }
    }

    /// <summary>One write at a time: the acks of the pull loop, and a restart's half-close.</summary>
    private async Task WriteAsync(AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse> call, StreamingPullRequest request, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            // Acks for what still arrives on a half-closed stream cannot be sent; Pub/Sub redelivers those
            // messages after their deadline and the fan-out drops them by id.
            if (Volatile.Read(ref _halfClosed) != call)
                await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    private int BeginAttempt()
    {
        lock (_streamGate)
        {
            _confirmed = false;
            return ++_attempt;
        }
    }

    /// <summary>Ends the current attempt, so a late confirmation cannot mark a dead stream open; true if it had been open.</summary>
    private bool EndAttempt()
    {
        lock (_streamGate)
        {
            bool wasOpen = _confirmed;
            _confirmed = false;
            _attempt++;
            return wasOpen;
        }
    }

    private async Task ConfirmLaterAsync(int attempt, Backoff backoff, CancellationToken cancellationToken)
    {
        if (await _clock.TryDelayAsync(AcceptanceWindow, cancellationToken))
            Confirm(attempt, backoff);
    }

    private void Confirm(int attempt, Backoff backoff)
    {
        lock (_streamGate)
        {
            if (_confirmed || attempt != _attempt)
                return;
            _confirmed = true;
            backoff.Reset();
        }
        _health.Receive.Up();
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
