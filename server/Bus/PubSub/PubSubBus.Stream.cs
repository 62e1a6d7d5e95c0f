using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

/// <summary>One StreamingPull stream: open, confirm, relay and ack, restart by half-closing.</summary>
internal sealed partial class PubSubBus
{
    // A (re)opened stream counts as open at its first response, or once it has stayed up this long without
    // being refused: Pub/Sub refuses a stream it will not serve at once, and the emulator sends no response
    // headers before its first message, so headers cannot tell. Each open also asks for a heartbeat, whose
    // echo normally confirms the stream within a round trip.
    private static readonly TimeSpan AcceptanceWindow = TimeSpan.FromMilliseconds(500);
    // Open streams that Pub/Sub ends within this of opening, FlappingAfter times in a row, are a failure their routine
    // statuses hide (a quota, an overloaded backend), not its routine ends, however close together those come: from
    // then on a stream counts as open only once it has lived this long, so the receive side reports failing and the
    // reopening backs off meanwhile.
    private static readonly TimeSpan ShortLived = TimeSpan.FromSeconds(1);
    private const int FlappingAfter = 5;
    // A stream we end ourselves is half-closed first and given this long to end: cancelled outright, the
    // emulator goes on handing it messages until their ack deadline, which then arrive 10 s late.
    private static readonly TimeSpan RestartGrace = TimeSpan.FromSeconds(1);
    private readonly Lock _streamGate = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private StreamRun? _run;
    private object? _halfClosed;
    private int _attempt;
    private bool _confirmed;
    private long _openedAt;
    private int _shortLived; // open streams in a row that ended within ShortLived

    /// <summary>
    /// One stream's run, from the moment it starts opening to its end: its cancellation, its call once the open
    /// request is written, and a restart asked of it. Read as one, so a restart asked while the next stream opens
    /// cannot end that stream with the call of the one before (and then, failing on it, never end it at all).
    /// </summary>
    private sealed class StreamRun(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;
        public AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse>? Call;
        public string? RestartReason;
    }

    public void RestartStream(string reason)
    {
        // A run that has ended takes the reason and nothing follows: the stream it asked about is gone already.
        if (Volatile.Read(ref _run) is { } run && Interlocked.CompareExchange(ref run.RestartReason, reason, null) is null)
            _ = EndGracefullyAsync(run);
    }

    /// <summary>
    /// Half-closes the stream, so Pub/Sub ends it and hands it nothing more, and cancels it if that takes too long;
    /// one still opening (no call yet) is cancelled at once, and one whose writer stays busy after the grace.
    /// </summary>
    private async Task EndGracefullyAsync(StreamRun run)
    {
        try
        {
            var token = run.Cancel.Token;
            if (Volatile.Read(ref run.Call) is { } call && await TakeWriterAsync(token))
            {
                try
                {
                    Volatile.Write(ref _halfClosed, call);
                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception e) when (e is RpcException or InvalidOperationException)
                {
                    // The call has ended on its own meanwhile: the cancel below finds its run over, or ends what is left of it.
                }
                finally
                {
                    _writing.Release();
                }
                await Task.Delay(RestartGrace, _clock, token);
            }
            await run.Cancel.CancelAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The stream ended (as asked) or was already gone.
        }
    }

    /// <summary>The writer, within the restart's grace; false if a write of acks stuck behind a stalled connection holds it that long.</summary>
    private async Task<bool> TakeWriterAsync(CancellationToken token)
    {
        using var grace = new CancellationTokenSource(RestartGrace, _clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(token, grace.Token);
        try
        {
            await _writing.WaitAsync(either.Token);
            return true;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// One StreamingPull stream, from open until the server ends it. Messages are acknowledged
    /// per response, after every message in it has been handed to the local fan-out.
    /// </summary>
    private async Task PullAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Action caughtUp, Backoff backoff, StreamRun run)
    {
        var cancellationToken = run.Cancel.Token;
        using var call = _subscriber.StreamingPull(cancellationToken: cancellationToken);
        bool sent = await WriteAsync(call, new StreamingPullRequest
        {
            Subscription = _names.Subscription,
            StreamAckDeadlineSeconds = StreamAckDeadlineSeconds,
            ClientId = _clientId,
            MaxOutstandingMessages = MaxOutstandingMessages,
            MaxOutstandingBytes = MaxOutstandingBytes,
        }, cancellationToken);
        if (!sent)
        {
            // Answered before the open request got through (refused, as a rule): the answer says with what.
            await foreach (var _ in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
            }
            return;
        }
        Volatile.Write(ref run.Call, call);
        int attempt = BeginAttempt();
        _ = ConfirmLaterAsync(attempt, backoff, cancellationToken);
        _health.RequestProbe();

        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (!Flapping)
                Confirm(attempt, backoff);
            var acks = new StreamingPullRequest();
            foreach (var received in response.ReceivedMessages)
            {
                await HandleAsync(handler, received, cancellationToken);
                acks.AckIds.Add(received.AckId);
            }
            caughtUp();
            // Not sent if the stream has ended meanwhile: the next read says how.
            await WriteAsync(call, acks, cancellationToken);
        }
    }

    /// <summary>
    /// One write at a time: the acks of the pull loop, and a restart's half-close. False if the call has ended,
    /// and then only the response stream tells how: a server that has answered a call stops its request side
    /// (RFC 9113, 8.1), and a write that meets that before the client has read the answer fails as Cancelled;
    /// one on a stream the server reset fails with the bare HTTP error.
    /// </summary>
    private async Task<bool> WriteAsync(AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse> call, StreamingPullRequest request, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            // Acks for what still arrives on a half-closed stream cannot be sent; Pub/Sub redelivers those
            // messages after their deadline and the fan-out drops them by id.
            if (Volatile.Read(ref _halfClosed) != call)
                await call.RequestStream.WriteAsync(request, cancellationToken);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or HttpRequestException or IOException)
        {
            return false;
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
            _openedAt = _clock.GetTimestamp();
            return ++_attempt;
        }
    }

    /// <summary>Ends the current attempt, so a late confirmation cannot mark a dead stream open; true if it had been open.</summary>
    private bool EndAttempt() => EndAttempt(countEnd: false);

    /// <summary>As <see cref="EndAttempt()"/>; with <paramref name="countEnd"/>, an open stream's end by Pub/Sub counts towards <see cref="Flapping"/>.</summary>
    private bool EndAttempt(bool countEnd)
    {
        lock (_streamGate)
        {
            bool wasOpen = _confirmed;
            if (wasOpen && countEnd)
                _shortLived = _clock.GetElapsedTime(_openedAt) < ShortLived ? _shortLived + 1 : 0;
            _confirmed = false;
            _attempt++;
            return wasOpen;
        }
    }

    /// <summary>The last <see cref="FlappingAfter"/> open streams all ended within <see cref="ShortLived"/>.</summary>
    private bool Flapping => Volatile.Read(ref _shortLived) >= FlappingAfter;

    private async Task ConfirmLaterAsync(int attempt, Backoff backoff, CancellationToken cancellationToken)
    {
        if (await _clock.TryDelayAsync(Flapping ? ShortLived : AcceptanceWindow, cancellationToken))
            Confirm(attempt, backoff);
    }

    private void Confirm(int attempt, Backoff backoff)
    {
        lock (_streamGate)
        {
            if (_confirmed || attempt != _attempt)
                return;
            _confirmed = true;
            if (_clock.GetElapsedTime(_openedAt) >= ShortLived)
                _shortLived = 0;
            backoff.Reset();
            // Under the gate: an end of this stream on the loop's thread must not be overtaken by its confirmation.
            _health.Receive.Up();
        }
    }

    /// <summary>Hands one message to the relay, which logs its own failures (<see cref="IMessageBus.ReceiveAsync"/>).</summary>
    private ValueTask HandleAsync(Func<BusMessage, CancellationToken, ValueTask> handler, ReceivedMessage received, CancellationToken cancellationToken)
    {
        var message = received.Message;
        var publishTime = message.PublishTime?.ToDateTimeOffset() ?? _clock.GetUtcNow();
        return handler(new BusMessage(message.MessageId, message.Data.Memory, publishTime), cancellationToken);
    }
}
