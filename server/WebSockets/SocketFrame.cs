using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Notifications.WebSockets;

/// <summary>
/// One complete WebSocket frame as it goes on the wire (RFC 6455 §5.2): FIN and opcode, the payload
/// length, then the payload. Server frames are never masked, so the same bytes serve every
/// connection: an alert is framed once and each socket only copies it.
/// </summary>
internal readonly struct SocketFrame
{
    private SocketFrame(byte[] bytes, int count = 1)
    {
        Bytes = bytes;
        _moreFrames = count - 1;
    }

    private readonly int _moreFrames;

    /// <summary>Header and payload, ready to write.</summary>
    public byte[] Bytes { get; }

    /// <summary>How many frames <see cref="Bytes"/> holds: one, or more when made by <see cref="JoinText"/> or <see cref="Pick"/>.</summary>
    public int Count => _moreFrames + 1;

    /// <summary>The keep-alive ping, with an empty payload; the same bytes for every socket.</summary>
    public static SocketFrame Ping { get; } = Create(FrameOpcode.Ping, []);

    /// <summary>The answer to an empty ping, the usual kind; the same bytes for every socket.</summary>
    public static SocketFrame EmptyPong { get; } = Create(FrameOpcode.Pong, []);

    /// <summary>A frame made from a copy of <paramref name="wire"/>, which holds a whole frame as <see cref="Bytes"/> did.</summary>
    public static SocketFrame CopyOf(ReadOnlySpan<byte> wire) => new(wire.ToArray());

    /// <summary>Frames a UTF-8 payload as one final text frame.</summary>
    public static SocketFrame Text(ReadOnlySpan<byte> payload) => Create(FrameOpcode.Text, payload);

    /// <summary>The answer to a client's ping: its payload, sent back (§5.5.3).</summary>
    public static SocketFrame Pong(ReadOnlySpan<byte> payload) => payload.IsEmpty ? EmptyPong : Create(FrameOpcode.Pong, payload);

    /// <summary>A close frame: the status code, then a reason cut to fit a control frame's 125 bytes (§5.5.1).</summary>
    public static SocketFrame Close(WebSocketCloseStatus status, string reason)
    {
        Span<byte> payload = stackalloc byte[FrameHeader.MaxControlPayload];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        int reasonLength = Encoding.UTF8.GetBytes(reason.AsSpan(0, Math.Min(reason.Length, 40)), payload[2..]);
        return Create(FrameOpcode.Close, payload[..(2 + reasonLength)]);
    }

    /// <summary>
    /// Text frames of the UTF-8 payloads that lie back to back in <paramref name="payloads"/> (<paramref name="lengths"/>
    /// bytes each), framed in that order into one array: a broadcast of several alerts makes no frame of each first,
    /// and each socket writes the array as it is instead of copying the frames into a buffer of its own. Where each
    /// frame lies in <see cref="Bytes"/> goes to <paramref name="frames"/>.
    /// </summary>
    public static SocketFrame JoinText(ReadOnlySpan<byte> payloads, ReadOnlySpan<int> lengths, Span<Range> frames)
    {
        Debug.Assert(frames.Length >= lengths.Length, "A place for every frame.");
        int total = 0, payloadTotal = 0;
        foreach (int length in lengths)
        {
            total += HeaderLength(length) + length;
            payloadTotal += length;
        }
        Debug.Assert(payloadTotal == payloads.Length, "The lengths cover the payloads exactly.");
        var bytes = new byte[total];
        int read = 0, written = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            int start = written;
            written += WriteHeader(bytes.AsSpan(written), FrameOpcode.Text, lengths[i]);
            payloads.Slice(read, lengths[i]).CopyTo(bytes.AsSpan(written));
            read += lengths[i];
            written += lengths[i];
            frames[i] = start..written;
        }
        return new SocketFrame(bytes, lengths.Length);
    }

    /// <summary>Some of a joined frame's frames (<paramref name="frames"/>, where each lies in its <see cref="Bytes"/>), joined anew in their order.</summary>
    public static SocketFrame Pick(SocketFrame joined, ReadOnlySpan<Range> frames)
    {
        int length = 0;
        foreach (var frame in frames)
            length += frame.GetOffsetAndLength(joined.Bytes.Length).Length;
        var bytes = new byte[length];
        int offset = 0;
        foreach (var frame in frames)
        {
            var wire = joined.Bytes.AsSpan(frame);
            wire.CopyTo(bytes.AsSpan(offset));
            offset += wire.Length;
        }
        return new SocketFrame(bytes, frames.Length);
    }

    private static SocketFrame Create(FrameOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[HeaderLength(payload.Length) + payload.Length];
        int headerLength = WriteHeader(bytes, opcode, payload.Length);
        payload.CopyTo(bytes.AsSpan(headerLength));
        return new SocketFrame(bytes);
    }

    private static int HeaderLength(int payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    /// <summary>A final frame's header for a payload of <paramref name="payloadLength"/> bytes; returns its length.</summary>
    private static int WriteHeader(Span<byte> bytes, FrameOpcode opcode, int payloadLength)
    {
        int headerLength = HeaderLength(payloadLength);
        bytes[0] = (byte)(FrameHeader.FinBit | (byte)opcode);
        switch (headerLength)
        {
            case 2:
                bytes[1] = (byte)payloadLength;
                break;
            case 4:
                bytes[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], (ushort)payloadLength);
                break;
            default:
                bytes[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(bytes[2..], (ulong)payloadLength);
                break;
        }
        return headerLength;
    }
}
