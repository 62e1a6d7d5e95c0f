using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Notifications.WebSockets;

/// <summary>The frame types of RFC 6455 §5.2; any other opcode is a protocol error.</summary>
internal enum FrameOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>What reading a frame header found.</summary>
internal enum HeaderRead
{
    /// <summary>A whole, valid header.</summary>
    Complete,

    /// <summary>The header has not fully arrived.</summary>
    NeedMore,

    /// <summary>The frame breaks the protocol: the connection must fail with 1002.</summary>
    Invalid,
}

/// <summary>
/// The header of a frame a client sent (RFC 6455 §5.2): FIN, opcode, payload length and the masking
/// key every client frame must carry. No extension is ever agreed, so the reserved bits must be clear.
/// </summary>
internal readonly record struct FrameHeader(bool Fin, FrameOpcode Opcode, long PayloadLength, int Length, int MaskKey)
{
    public const byte FinBit = 0x80;
    public const int MaxControlPayload = 125;
    private const int MaxLength = 2 + 8 + 4;

    public bool IsControl => Opcode >= FrameOpcode.Close;

    /// <summary>Reads the header at the start of <paramref name="buffer"/>; <paramref name="error"/> says what is wrong with an invalid one.</summary>
    public static HeaderRead TryRead(in ReadOnlySequence<byte> buffer, out FrameHeader header, out string? error)
    {
        header = default;
        error = null;
        if (buffer.Length < 2)
            return HeaderRead.NeedMore;
        Span<byte> head = stackalloc byte[MaxLength];
        int available = (int)Math.Min(buffer.Length, MaxLength);
        buffer.Slice(0, available).CopyTo(head);
        head = head[..available];

        bool fin = (head[0] & FinBit) != 0;
        var opcode = (FrameOpcode)(head[0] & 0x0F);
        if ((head[0] & 0x70) != 0)
            error = "reserved bits are set, but no extension was agreed";
        else if (opcode is not (FrameOpcode.Continuation or FrameOpcode.Text or FrameOpcode.Binary or FrameOpcode.Close or FrameOpcode.Ping or FrameOpcode.Pong))
            error = $"opcode {(int)opcode} is not defined";
        else if ((head[1] & 0x80) == 0)
            error = "a client frame is not masked";
        else if (opcode >= FrameOpcode.Close && !fin)
            error = "a control frame is fragmented";
        else if (opcode >= FrameOpcode.Close && (head[1] & 0x7F) > MaxControlPayload)
            error = "a control frame's payload is over 125 bytes";
        if (error is not null)
            return HeaderRead.Invalid;

        int lengthBytes = (head[1] & 0x7F) switch
        {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        int length = 2 + lengthBytes + 4;
        if (head.Length < length)
            return HeaderRead.NeedMore;
        long payloadLength = lengthBytes switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(head[2..]),
            8 => BinaryPrimitives.ReadInt64BigEndian(head[2..]),
            _ => head[1] & 0x7F,
        };
        if (payloadLength < 0)
        {
            error = "the payload length's top bit is set";
            return HeaderRead.Invalid;
        }
        header = new FrameHeader(fin, opcode, payloadLength, length, MemoryMarshal.Read<int>(head[(length - 4)..]));
        return HeaderRead.Complete;
    }

    /// <summary>Copies a frame's masked payload to <paramref name="destination"/> and removes the mask (§5.3).</summary>
    public void Unmask(in ReadOnlySequence<byte> payload, Span<byte> destination)
    {
        payload.CopyTo(destination);
        var bytes = destination[..(int)payload.Length];
        // Eight bytes at a time: each word starts at a multiple of four, where the key starts over.
        ulong wide = (uint)MaskKey | ((ulong)(uint)MaskKey << 32);
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        for (int i = 0; i < words.Length; i++)
            words[i] ^= wide;
        Span<byte> key = stackalloc byte[4];
        MemoryMarshal.Write(key, MaskKey);
        for (int i = words.Length * 8; i < bytes.Length; i++)
            bytes[i] ^= key[i & 3];
    }
}
