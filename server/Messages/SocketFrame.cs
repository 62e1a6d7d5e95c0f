using System.Buffers.Binary;

namespace Notifications.Messages;

/// <summary>
/// One complete WebSocket text frame as it goes on the wire (RFC 6455 §5.2): FIN and opcode, the
/// payload length, then the payload. Server frames are never masked, so the same bytes serve every
/// connection: an alert is framed once and each socket only copies it.
/// </summary>
internal readonly struct SocketFrame
{
    private const byte FinText = 0x81;

    private SocketFrame(byte[] bytes, int headerLength)
    {
        Bytes = bytes;
        HeaderLength = headerLength;
    }

    /// <summary>Header and payload, ready to write.</summary>
    public byte[] Bytes { get; }

    public int HeaderLength { get; }

    /// <summary>The UTF-8 JSON the frame carries.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(HeaderLength);

    /// <summary>Frames a UTF-8 payload as one final text frame.</summary>
    public static SocketFrame Text(ReadOnlySpan<byte> payload)
    {
        int headerLength = payload.Length switch
        {
            < 126 => 2,
            <= ushort.MaxValue => 4,
            _ => 10,
        };
        var bytes = new byte[headerLength + payload.Length];
        bytes[0] = FinText;
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
        return new SocketFrame(bytes, headerLength);
    }
}
