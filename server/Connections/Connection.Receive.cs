using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using Notifications.Messages;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>What the receive side does with what arrives.</summary>
    private enum Reading : byte
    {
        /// <summary>Messages are handled.</summary>
        Messages,

        /// <summary>We are closing: data is thrown away while the client's close frame is awaited.</summary>
        UntilClose,

        /// <summary>The client broke the protocol: nothing after it can be parsed, so all is thrown away until it leaves or the deadline.</summary>
        Nothing,
    }

    // The receive side's state between reads; only RunAsync's loop touches it.
    private Reading _reading;
    private long _skip; // payload bytes of a refused frame still to throw away
    private byte[]? _fragments; // a fragmented message being put together (rare: browsers send whole frames)
    private int _fragmentsLength;
    private FrameOpcode _fragmentsOpcode;

    /// <summary>
    /// Handles every whole frame at the start of <paramref name="buffer"/> and consumes it; what is left
    /// is a frame still arriving. Returns why the connection ends once the client's close frame is in,
    /// or null to read on. A frame is handled only once it has fully arrived, so at most one frame within
    /// the message cap waits in the pipe; one that would make a message too big is refused from its
    /// header alone: its payload is thrown away as it comes, never buffered.
    /// </summary>
    private CloseReason? Receive(ref ReadOnlySequence<byte> buffer)
    {
        if (!buffer.IsEmpty)
            Volatile.Write(ref _heard, 1);
        while (!buffer.IsEmpty)
        {
            if (_reading == Reading.Nothing)
            {
                buffer = buffer.Slice(buffer.End);
                break;
            }
            if (_skip > 0)
            {
                long skipped = Math.Min(_skip, buffer.Length);
                buffer = buffer.Slice(skipped);
                _skip -= skipped;
                continue;
            }
            var read = FrameHeader.TryRead(buffer, out var header, out var error);
            if (read == HeaderRead.NeedMore)
                break;
            if (read == HeaderRead.Invalid)
            {
                Fail(CloseReason.ProtocolError, error!);
                continue;
            }
            if (!header.IsControl && _reading == Reading.UntilClose)
            {
                Discard(header, ref buffer);
                continue;
            }
            if (!header.IsControl && !StartData(header, ref buffer))
                continue;
            long frameLength = header.Length + header.PayloadLength;
            if (buffer.Length < frameLength)
                break;
            var payload = buffer.Slice(header.Length, header.PayloadLength);
            buffer = buffer.Slice(frameLength);
            if (header.IsControl)
            {
                if (Control(header, payload) is { } ended)
                    return ended;
            }
            else
            {
                Data(header, payload);
            }
        }
        return null;
    }

    /// <summary>Checks a data frame against the message in progress and the size cap; false if it was refused (then its header is consumed).</summary>
    private bool StartData(in FrameHeader header, ref ReadOnlySequence<byte> buffer)
    {
        bool continuation = header.Opcode == FrameOpcode.Continuation;
        if (continuation != _fragments is not null)
        {
            Fail(CloseReason.ProtocolError, continuation ? "a continuation frame with no message to continue" : "a new message before the last one ended");
            return false;
        }
        // Subtracted, not added: a length near 2^63 must not wrap round to a small one.
        if (header.PayloadLength <= _options.MaxMessageBytes - _fragmentsLength)
            return true;
        Log.MessageTooBig(_logger, Id, Remote, _options.MaxMessageBytes);
        RequestClose(CloseReason.MessageTooBig);
        _reading = Reading.UntilClose;
        ReturnFragments();
        Discard(header, ref buffer);
        return false;
    }

    /// <summary>Consumes a data frame's header and throws its payload away as it arrives, never buffering it.</summary>
    private void Discard(in FrameHeader header, ref ReadOnlySequence<byte> buffer)
    {
        buffer = buffer.Slice(header.Length);
        _skip = header.PayloadLength;
    }

    /// <summary>A whole data frame: a message on its own, or one part of a fragmented one.</summary>
    private void Data(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        int length = (int)payload.Length;
        if (header.Fin && _fragments is null)
        {
            // The usual case: a message in one frame, unmasked into a buffer borrowed only while it is handled.
            var message = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                header.Unmask(payload, message);
                Message(header.Opcode, message.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message);
            }
            return;
        }
        if (_fragments is null)
        {
            _fragments = ArrayPool<byte>.Shared.Rent(_options.MaxMessageBytes);
            _fragmentsOpcode = header.Opcode;
        }
        header.Unmask(payload, _fragments.AsSpan(_fragmentsLength));
        _fragmentsLength += length;
        if (header.Fin)
        {
            Message(_fragmentsOpcode, _fragments.AsSpan(0, _fragmentsLength));
            ReturnFragments();
        }
    }

    private void ReturnFragments()
    {
        if (_fragments is { } fragments)
            ArrayPool<byte>.Shared.Return(fragments);
        _fragments = null;
        _fragmentsLength = 0;
    }

    /// <summary>Ping, pong or close (§5.5). Returns the reason the connection ends once the client's close frame is in.</summary>
    private CloseReason? Control(in FrameHeader header, in ReadOnlySequence<byte> masked)
    {
        Span<byte> payload = stackalloc byte[FrameHeader.MaxControlPayload];
        payload = payload[..(int)masked.Length];
        header.Unmask(masked, payload);
        switch (header.Opcode)
        {
            case FrameOpcode.Ping:
                if (_reading == Reading.Messages)
                    TryEnqueue(SocketFrame.Pong(payload));
                return null;
            case FrameOpcode.Pong:
                return null; // proof of life, already counted
            default:
                if (CloseFrameError(payload) is { } error)
                {
                    Fail(CloseReason.ProtocolError, error);
                    return null;
                }
                return ClosingFor ?? CloseReason.ClientClosed;
        }
    }

    /// <summary>A close frame's body is empty, or a status code a peer may send followed by UTF-8 text (§5.5.1, §7.4).</summary>
    private static string? CloseFrameError(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
            return null;
        if (payload.Length == 1)
            return "a close frame with a one-byte body";
        int code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        bool valid = code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
        if (!valid)
            return $"close code {code} may not be sent";
        return Utf8.IsValid(payload[2..]) ? null : "a close reason that is not UTF-8";
    }

    /// <summary>
    /// The client broke the protocol: it gets a close frame with <paramref name="reason"/>'s code, and
    /// nothing more it sends is handled.
    /// </summary>
    private void Fail(CloseReason reason, string error)
    {
        Log.ProtocolError(_logger, Id, Remote, error);
        RequestClose(reason);
        // After bad UTF-8 the frames still parse, so the client's close can be seen; after a framing error nothing can be.
        _reading = reason == CloseReason.InvalidPayload ? Reading.UntilClose : Reading.Nothing;
        ReturnFragments();
    }

    private void Message(FrameOpcode opcode, ReadOnlySpan<byte> message)
    {
        _framesIn++;
        if (opcode == FrameOpcode.Text && !Utf8.IsValid(message))
        {
            Fail(CloseReason.InvalidPayload, "a text message that is not UTF-8");
            return;
        }
        // Once closing for abuse or slowness, what follows is read only to reach the close frame.
        if (ClosingFor is CloseReason.PolicyViolation or CloseReason.SlowClient)
            return;
        if (opcode == FrameOpcode.Binary)
            SendError(ErrorCodes.BinaryNotSupported, "Only text frames holding JSON are accepted.");
        else
            HandleText(message);
    }

    /// <summary>Answers one text message. Accepting an alert only queues it for the topic, so a slow Pub/Sub never stalls this loop.</summary>
    private void HandleText(ReadOnlySpan<byte> frame)
    {
        var request = ClientFrameParser.Parse(frame, _options.MaxTextLength);
        if (request.Error is { } error)
        {
            SendError(error.Code, error.Message);
            return;
        }
        _alertBudget ??= new TokenBucket(_options.AlertRatePerSecond, _options.AlertBurst, _clock);
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
