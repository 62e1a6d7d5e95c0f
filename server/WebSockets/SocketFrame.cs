using System.Buffers.Binary;
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

    /// <summary>How many frames <see cref="Bytes"/> holds: one, or more when made by <see cref="Join"/>.</summary>
    public int Count => _moreFrames + 1;

    /// <summary>The keep-alive ping, with an empty payload; the same bytes for every socket.</summary>
    public static SocketFrame Ping { get; } = Create(FrameOpcode.Ping, []);

    /// <summary>The answer to an empty ping, the usual kind; the same bytes for every socket.</summary>
    public static SocketFrame EmptyPong { get; } = Create(FrameOpcode.Pong, []);

    /// <summary>A frame made from a copy of <paramref name="wire"/>, which holds a whole frame as <see cref="Bytes"/> did.</summary>
    public static SocketFrame CopyOf(ReadOnlySpan<byte> wire) => new(wire.ToArray());

    /// <summary>
    /// Frames that go out together, back to back in one array: a broadcast of several joins them once, and each
    /// socket then writes that array as it is instead of copying the frames into a buffer of its own.
    /// </summary>
    public static SocketFrame Join(ReadOnlySpan<SocketFrame> frames)
    {
        if (frames.Length == 1)
            return frames[0];
        int length = 0, count = 0;
        foreach (var frame in frames)
        {
            length += frame.Bytes.Length;
            count += frame.Count;
        }
        var bytes = new byte[length];
        int offset = 0;
        foreach (var frame in frames)
        {
            frame.Bytes.CopyTo(bytes, offset);
            offset += frame.Bytes.Length;
        }
        return new SocketFrame(bytes, count);
    }

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

    private static SocketFrame Create(FrameOpcode opcode, ReadOnlySpan<byte> payload)
    {
        int headerLength = payload.Length switch
        {
            < 126 => 2,
            <= ushort.MaxValue => 4,
            _ => 10,
        };
        var bytes = new byte[headerLength + payload.Length];
        bytes[0] = (byte)(FrameHeader.FinBit | (byte)opcode);
        switch (headerLength)
        {
            case 2:
                bytes[1] = (byte)payload.Length;
                break;
            case 4:
                bytes[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                bytes[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), (ulong)payload.Length);
                break;
        }
        payload.CopyTo(bytes.AsSpan(headerLength));
        return new SocketFrame(bytes);
    }
}
