using System.Buffers;
using System.Text.Unicode;

namespace Notifications.WebSockets;

/// <summary>
/// Reads the frames a client sends (RFC 6455 §5), in place from the bytes received so far: checks
/// each header, unmasks, puts fragmented messages together, answers nothing itself. A frame is
/// handled once it has fully arrived, so at most one frame within the message cap waits in the input;
/// one that would make a message too big is refused from its header alone, and its payload thrown
/// away as it comes, never buffered. Text is checked to be UTF-8 as each fragment arrives. A value
/// type, kept inside its connection: it holds no object of its own except while a fragmented message
/// is being put together.
/// </summary>
internal struct FrameReader(int maxMessageBytes)
{
    private enum Mode : byte
    {
        /// <summary>Messages are handled.</summary>
        Messages,

        /// <summary>After bad text or an oversized message: data is thrown away while the client's close frame is awaited.</summary>
        UntilClose,

        /// <summary>After a framing error nothing can be parsed: everything is thrown away.</summary>
        Nothing,
    }

    private Mode _mode;
    private FrameOpcode _fragmentsOpcode;
    private Utf8Validator _utf8;
    private int _fragmentsLength;
    private long _skip; // payload bytes of a refused frame still to throw away
    private byte[]? _fragments; // a fragmented message being put together (rare: browsers send whole frames)

    /// <summary>
    /// Handles every whole frame at the start of <paramref name="buffer"/> and consumes it; what is left
    /// is a frame still arriving. True once the client's close frame is in: read no further.
    /// </summary>
    public bool Read(ref ReadOnlySequence<byte> buffer, IFrameHandler handler)
    {
        while (!buffer.IsEmpty)
        {
            if (_mode == Mode.Nothing)
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
                Fault(FrameFault.ProtocolError, error!, handler);
                continue;
            }
            if (!header.IsControl && !StartData(header, ref buffer, handler))
                continue;
            long frameLength = header.Length + header.PayloadLength;
            if (buffer.Length < frameLength)
                break;
            var payload = buffer.Slice(header.Length, header.PayloadLength);
            buffer = buffer.Slice(frameLength);
            if (!header.IsControl)
                Data(header, payload, handler);
            else if (Control(header, payload, handler))
                return true;
        }
        return false;
    }

    /// <summary>Gives back the buffer of a message still being put together; the connection is over.</summary>
    public void Release()
    {
        if (_fragments is { } fragments)
            ArrayPool<byte>.Shared.Return(fragments);
        _fragments = null;
        _fragmentsLength = 0;
    }

    /// <summary>Checks a data frame against the message in progress and the size cap; false if it is not to be handled (then its header is consumed).</summary>
    private bool StartData(in FrameHeader header, ref ReadOnlySequence<byte> buffer, IFrameHandler handler)
    {
        if (_mode == Mode.UntilClose)
        {
            Discard(header, ref buffer);
            return false;
        }
        bool continuation = header.Opcode == FrameOpcode.Continuation;
        if (continuation != _fragments is not null)
        {
            Fault(FrameFault.ProtocolError, continuation ? "a continuation frame with no message to continue" : "a new message before the last one ended", handler);
            return false;
        }
        // Subtracted, not added: a length near 2^63 must not wrap round to a small one.
        if (header.PayloadLength <= maxMessageBytes - _fragmentsLength)
            return true;
        Fault(FrameFault.MessageTooBig, $"a message over {maxMessageBytes} bytes", handler);
        Discard(header, ref buffer);
        return false;
    }

    /// <summary>Consumes a data frame's header and throws its payload away as it arrives.</summary>
    private void Discard(in FrameHeader header, ref ReadOnlySequence<byte> buffer)
    {
        buffer = buffer.Slice(header.Length);
        _skip = header.PayloadLength;
    }

    /// <summary>A whole data frame: a message on its own, or one part of a fragmented one.</summary>
    private void Data(in FrameHeader header, in ReadOnlySequence<byte> payload, IFrameHandler handler)
    {
        int length = (int)payload.Length;
        if (header.Fin && _fragments is null)
        {
            // The usual case: a message in one frame, unmasked into a buffer borrowed only while it is handled.
            var message = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                header.Unmask(payload, message);
                var bytes = message.AsSpan(0, length);
                if (header.Opcode == FrameOpcode.Text && !Utf8.IsValid(bytes))
                    Fault(FrameFault.InvalidText, "a text message that is not UTF-8", handler);
                else
                    handler.OnMessage(header.Opcode, bytes);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message);
            }
            return;
        }
        if (_fragments is null)
        {
            _fragments = ArrayPool<byte>.Shared.Rent(maxMessageBytes);
            _fragmentsOpcode = header.Opcode;
            _utf8 = default;
        }
        var part = _fragments.AsSpan(_fragmentsLength, length);
        header.Unmask(payload, part);
        _fragmentsLength += length;
        if (_fragmentsOpcode == FrameOpcode.Text && !(_utf8.Append(part) && (!header.Fin || _utf8.AtCharacterBoundary)))
        {
            Fault(FrameFault.InvalidText, "a text fragment that is not UTF-8", handler);
            return;
        }
        if (header.Fin)
        {
            handler.OnMessage(_fragmentsOpcode, _fragments.AsSpan(0, _fragmentsLength));
            Release();
        }
    }

    /// <summary>Ping, pong or close (§5.5). True once the client's close frame is in.</summary>
    private bool Control(in FrameHeader header, in ReadOnlySequence<byte> masked, IFrameHandler handler)
    {
        Span<byte> payload = stackalloc byte[FrameHeader.MaxControlPayload];
        payload = payload[..(int)masked.Length];
        header.Unmask(masked, payload);
        switch (header.Opcode)
        {
            case FrameOpcode.Ping:
                if (_mode == Mode.Messages)
                    handler.OnPing(payload);
                return false;
            case FrameOpcode.Pong:
                return false; // proof of life, which the connection counts from any bytes
            default:
                if (CloseCodes.CheckReceived(payload) is not { } error)
                    return true;
                Fault(FrameFault.ProtocolError, error, handler);
                return false;
        }
    }

    /// <summary>After bad text or an oversized message the frames still parse, so the client's close can be seen; after a framing error nothing can be.</summary>
    private void Fault(FrameFault fault, string detail, IFrameHandler handler)
    {
        _mode = fault == FrameFault.ProtocolError ? Mode.Nothing : Mode.UntilClose;
        Release();
        handler.OnFault(fault, detail);
    }
}
