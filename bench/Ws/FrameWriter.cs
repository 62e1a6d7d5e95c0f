using System.Buffers;
using System.Buffers.Text;

namespace Notifications.Bench.Ws;

/// <summary>Builds client frames (masked, as RFC 6455 requires of clients), several to a buffer for one write.</summary>
internal static class FrameWriter
{
    private const int MaxSmallPayload = 125;

    /// <summary>Appends <c>{"type":"alert",[channel,]"text":"b:RUN:STEP:SEQ:TICKS"}</c> as one masked text frame.</summary>
    /// <param name="channelField"><c>"channel":"…",</c> for an alert to a channel; empty for <c>global</c>.</param>
    public static void Alert(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> runTag, int step, long seq, long intendedTicks, ReadOnlySpan<byte> channelField = default)
    {
        Span<byte> json = stackalloc byte[MaxSmallPayload];
        int n = 0;
        Append(json, ref n, "{\"type\":\"alert\","u8);
        Append(json, ref n, channelField);
        Append(json, ref n, "\"text\":\"b:"u8);
        Append(json, ref n, runTag);
        n += Format(json[n..], step);
        n += Format(json[n..], seq);
        Utf8Formatter.TryFormat(intendedTicks, json[n..], out int w);
        n += w;
        Append(json, ref n, "\"}"u8);
        Frame(output, 0x1, json[..n]);
    }

    /// <summary>Appends a small JSON object (under 126 bytes: a <c>subscribe</c>) as one masked text frame.</summary>
    public static void Text(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> json) => Frame(output, 0x1, json);

    /// <summary>One masked text frame (under 126 bytes): a subscribe.</summary>
    public static byte[] Text(ReadOnlySpan<byte> payload) => Single(0x1, payload);

    public static byte[] Pong(ReadOnlySpan<byte> payload) => Single(0xA, payload);

    public static byte[] Close(ReadOnlySpan<byte> code) => Single(0x8, code);

    private static byte[] Single(int opcode, ReadOnlySpan<byte> payload)
    {
        var output = new ArrayBufferWriter<byte>(payload.Length + 8);
        Frame(output, opcode, payload[..Math.Min(payload.Length, MaxSmallPayload)]);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A final frame with a payload under 126 bytes. The mask key is random, as the RFC asks.</summary>
    private static void Frame(ArrayBufferWriter<byte> output, int opcode, ReadOnlySpan<byte> payload)
    {
        var frame = output.GetSpan(6 + payload.Length);
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.Length);
        uint key = (uint)Random.Shared.Next();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame[2..], key);
        for (int i = 0; i < payload.Length; i++)
            frame[6 + i] = (byte)(payload[i] ^ frame[2 + (i & 3)]);
        output.Advance(6 + payload.Length);
    }

    private static void Append(Span<byte> dest, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(dest[n..]);
        n += bytes.Length;
    }

    private static int Format(Span<byte> dest, long value)
    {
        Utf8Formatter.TryFormat(value, dest, out int written);
        dest[written] = (byte)':';
        return written + 1;
    }
}
