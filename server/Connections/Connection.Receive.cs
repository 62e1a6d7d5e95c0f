using System.Buffers;
using System.Net.WebSockets;
using Notifications.Messages;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>
    /// Reads whole messages, never more than the configured size, and answers each one. An idle
    /// connection holds no receive buffer: it waits with a zero-byte read, and only a message that has
    /// begun to arrive borrows one from the pool, returned once the message is handled.
    /// </summary>
    private async Task<CloseReason> ReceiveLoopAsync(CancellationToken aborted)
    {
        try
        {
            while (true)
            {
                var arrived = await _socket.ReceiveAsync(Memory<byte>.Empty, aborted);
                if (arrived.MessageType == WebSocketMessageType.Close)
                    return ClosingFor ?? CloseReason.ClientClosed;
                // Returned only after every read into it has completed: nothing can write it once it is back in the pool.
                var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxMessageBytes);
                try
                {
                    var (reason, type, count) = arrived.EndOfMessage
                        ? (null, arrived.MessageType, 0) // an empty message: the zero-byte read was all of it
                        : await ReceiveMessageAsync(buffer, aborted);
                    if (reason == CloseReason.MessageTooBig)
                        return await DiscardUntilCloseAsync(buffer, aborted);
                    if (reason is not null)
                        return reason.Value;
                    Handle(type, buffer.AsSpan(0, count));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return ClosingFor ?? CloseReason.Aborted;
        }
    }

    private void Handle(WebSocketMessageType type, ReadOnlySpan<byte> message)
    {
        _framesIn++;
        // Once closing for abuse or slowness, what follows is read only to reach the close frame.
        if (ClosingFor is CloseReason.PolicyViolation or CloseReason.SlowClient)
            return;
        if (type == WebSocketMessageType.Binary)
            SendError(ErrorCodes.BinaryNotSupported, "Only text frames holding JSON are accepted.");
        else
            HandleText(message);
    }

    /// <summary>Assembles one message; stops at the size cap instead of buffering the rest (ASP.NET has no cap of its own).</summary>
    private async Task<(CloseReason? Reason, WebSocketMessageType Type, int Count)> ReceiveMessageAsync(byte[] buffer, CancellationToken aborted)
    {
        // A rented buffer may be larger than asked for; the limit is the setting, not its length.
        int limit = _options.MaxMessageBytes, count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            if (count == limit)
            {
                Log.MessageTooBig(_logger, Id, Remote, limit);
                return (CloseReason.MessageTooBig, default, 0);
            }
            result = await _socket.ReceiveAsync(buffer.AsMemory(count, limit - count), aborted);
            if (result.MessageType == WebSocketMessageType.Close)
                return (ClosingFor ?? CloseReason.ClientClosed, default, 0);
            count += result.Count;
        } while (!result.EndOfMessage);
        return (null, result.MessageType, count);
    }

    /// <summary>
    /// After refusing an oversized message, reads and throws away the rest until the client's close
    /// frame: closing with unread bytes would reset the TCP connection and lose our 1009 on the way.
    /// RunAsync's grace period bounds how long this may take.
    /// </summary>
    private async Task<CloseReason> DiscardUntilCloseAsync(byte[] buffer, CancellationToken aborted)
    {
        RequestClose(CloseReason.MessageTooBig);
        while ((await _socket.ReceiveAsync(buffer.AsMemory(), aborted)).MessageType != WebSocketMessageType.Close)
        {
        }
        return CloseReason.MessageTooBig;
    }

    /// <summary>Answers one text frame. Accepting an alert only queues it for the topic, so a slow Pub/Sub never stalls this loop.</summary>
    private void HandleText(ReadOnlySpan<byte> frame)
    {
        var request = ClientFrameParser.Parse(frame, _options.MaxTextLength);
        if (request.Error is { } error)
        {
            SendError(error.Code, error.Message);
            return;
        }
        if (!_alertBudget.TryTake(out var retryAfter))
        {
            RateLimited(retryAfter);
            return;
        }
        _strikes = 0;
        if (!_outbound.TryEnqueue(request.AlertText!, this, out var alert))
        {
            SendError(ErrorCodes.PublishFailed, "The alert was not sent: this instance's publish buffer is full while Pub/Sub is slow or down. Try again shortly.");
            return;
        }
        _alertsAccepted++;
        Log.AlertAccepted(_logger, Id, alert.Id);
    }

    /// <summary>Tells the client when to try again; one that keeps going regardless is closed with 1008.</summary>
    private void RateLimited(TimeSpan retryAfter)
    {
        int retryAfterMs = (int)Math.Ceiling(retryAfter.TotalMilliseconds);
        SendError(ErrorCodes.RateLimited,
            $"Too many alerts: at most {_options.AlertRatePerSecond:0.##} per second (bursts of {_options.AlertBurst}). Try again in {retryAfterMs} ms.",
            retryAfterMs);
        if (++_strikes >= _options.RateLimitStrikes && RequestClose(CloseReason.PolicyViolation))
            Log.RateLimitAbuse(_logger, Id, Remote, _strikes);
    }

    private void SendError(string code, string message, int? retryAfterMs = null)
    {
        _metrics.ErrorSent(code);
        Interlocked.Increment(ref _errorsSent);
        Log.ErrorSent(_logger, Id, code);
        TryEnqueue(Frames.Error(code, message, retryAfterMs));
    }
}
