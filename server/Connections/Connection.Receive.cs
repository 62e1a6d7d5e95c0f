using System.Buffers;
using Notifications.Channels;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>
    /// Hands what arrived to the frame reader, which consumes every whole frame and calls back here for
    /// each message, ping and fault. Returns why the connection ends once the client's close frame is in,
    /// or null to read on.
    /// </summary>
    private CloseReason? Receive(ref ReadOnlySequence<byte> buffer)
    {
        if (!buffer.IsEmpty)
            Volatile.Write(ref _heard, 1);
        return _frames.Read(ref buffer, this) ? ClosingFor ?? CloseReason.ClientClosed : null;
    }

    void IFrameHandler.OnMessage(FrameOpcode opcode, ReadOnlySpan<byte> message)
    {
        _framesIn++;
        // Once closing, what follows is read only to reach the close frame: nothing is published or joined on an
        // expired token in its grace, or by an abuser. A server shutdown is the exception: its drain still takes alerts.
        if (ClosingFor is { } closing && closing != CloseReason.ServerShutdown)
            return;
        if (Dialect is { } dialect)
            dialect.OnMessage(opcode == FrameOpcode.Binary, message);
        else if (opcode == FrameOpcode.Binary)
            SendError(ErrorCodes.BinaryNotSupported, "Only text frames holding JSON are accepted.");
        else
            HandleText(message);
    }

    void IFrameHandler.OnPing(ReadOnlySpan<byte> payload) => Pong(payload);

    void IFrameHandler.OnFault(FrameFault fault, string detail)
    {
        if (fault == FrameFault.MessageTooBig)
            Log.MessageTooBig(_logger, Id, Remote, _options.MaxMessageBytes);
        else
            Log.ProtocolError(_logger, Id, Remote, detail);
        RequestClose(fault.ToCloseReason());
    }

    /// <summary>Answers one text message.</summary>
    private void HandleText(ReadOnlySpan<byte> frame)
    {
        var request = ClientFrameParser.Parse(frame, _options.MaxTextLength);
        if (request.Error is { } error)
        {
            SendError(error.Code, error.Message);
            return;
        }
        if (request.Kind != ClientRequestKind.Alert && !TakeRequest(request.Channel))
            return;
        switch (request.Kind)
        {
            case ClientRequestKind.Subscribe:
                Subscribe(request.Channel!, request.Since);
                break;
            case ClientRequestKind.Unsubscribe:
                Unsubscribe(request.Channel!);
                break;
            case ClientRequestKind.Refresh:
                Refresh(request.Token!);
                break;
            case ClientRequestKind.Ping:
                TryEnqueue(Frames.Pong(_services.Bus.Stamp(_clock.GetUtcNow())));
                break;
            default:
                SendAlert(request.AlertText!, request.Channel ?? ChannelName.Global);
                break;
        }
    }

    /// <summary>Accepting an alert only queues it for the topic, so a slow Pub/Sub never stalls this loop.</summary>
    private void SendAlert(string text, string channel)
    {
        var verdict = MayPublish(channel);
        if (!verdict.Allowed)
        {
            SendError(verdict, channel);
            return;
        }
        // From what this address's sockets that closed before this one opened left, so reconnecting does not refill the burst.
        _alertBudget ??= _services.Budgets.Start(Remote, _startedAt);
        if (!_alertBudget.TryTake(out var retryAfter))
        {
            RateLimited(retryAfter);
            return;
        }
        _alertStrikes = 0;
        if (!_services.Alerts.TryAccept(text, channel, this, out string alertId))
        {
            SendError(ErrorCodes.PublishFailed, "The alert was not sent: this instance's publish buffer is full while Pub/Sub is slow or down. Try again shortly.");
            return;
        }
        _alertsAccepted++;
        Log.AlertAccepted(_logger, Id, alertId);
    }

    /// <summary>
    /// Takes one from the budget of subscribe, unsubscribe, refresh and ping requests, or answers <c>rate_limited</c>.
    /// A client needs a burst of them when it connects and a few a minute after; a flood costs the server work
    /// others wait for (a subscribe with <c>since</c> replays a window under the lock every delivery takes, a
    /// refresh checks a signature), so it is limited as alerts are, strikes and 1008 included.
    /// </summary>
    private bool TakeRequest(string? channel)
    {
        // A reconnect subscribes to every channel the socket was in (and its own user channel, and leaves global) at once.
        int burst = Math.Max(RequestBudget.Burst, _services.Policy.MaxPerSocket + 2);
        _requestBudget ??= RequestBudget.For(_clock, burst);
        if (_requestBudget.TryTake(out var retryAfter))
        {
            _requestStrikes = 0;
            return true;
        }
        int retryAfterMs = (int)Math.Ceiling(retryAfter.TotalMilliseconds);
        // Naming the channel makes it the answer to that subscribe or unsubscribe, which the client can ask again.
        var message = $"Too many subscribe, unsubscribe, refresh and ping requests: at most {RequestBudget.PerSecond:0} per second (bursts of {burst}). Try again in {retryAfterMs} ms.";
        SendError(ErrorCodes.RateLimited, Frames.Error(ErrorCodes.RateLimited, message, retryAfterMs, ChannelName.IsValid(channel) ? channel : null));
        Strike(ref _requestStrikes);
        return false;
    }

    /// <summary>Tells the client when to try again; one that keeps going regardless is closed with 1008.</summary>
    private void RateLimited(TimeSpan retryAfter)
    {
        int retryAfterMs = (int)Math.Ceiling(retryAfter.TotalMilliseconds);
        SendError(ErrorCodes.RateLimited,
            $"Too many alerts: at most {_options.AlertRatePerSecond:0.##} per second (bursts of {_options.AlertBurst}). Try again in {retryAfterMs} ms.",
            retryAfterMs);
        Strike(ref _alertStrikes);
    }

    /// <summary>
    /// One more limited alert, or request, in a row; at <c>RATE_LIMIT_STRIKES</c> the socket is closed with 1008. Alerts
    /// and requests count apart, and only one of their own taken ends a run: a cheap request between refused alerts
    /// does not start their count again.
    /// </summary>
    private void Strike(ref int strikes)
    {
        if (++strikes >= _options.RateLimitStrikes && RequestClose(CloseReason.PolicyViolation))
            Log.RateLimitAbuse(_logger, Id, Remote, strikes);
    }

    private void SendError(string code, string message, int? retryAfterMs = null) => SendError(code, Frames.Error(code, message, retryAfterMs));

    /// <summary>A refusal about a channel (echoed if its name is valid) or a token.</summary>
    private void SendError(ChannelVerdict refusal, string? channel) => SendError(refusal.Code!, refusal.ErrorFrame(channel));

    private void SendError(string code, SocketFrame frame)
    {
        _metrics.ErrorSent(code);
        Interlocked.Increment(ref _errorsSent);
        Log.ErrorSent(_logger, Id, code);
        TryEnqueue(frame);
    }
}
