using System.Buffers;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

public sealed class FrameHeaderTests
{
    private static readonly byte[] Key = [0x12, 0x34, 0x56, 0x78];

    [Theory]
    [InlineData(0, 6)]
    [InlineData(125, 6)]
    [InlineData(126, 8)]
    [InlineData(65_535, 8)]
    [InlineData(65_536, 14)]
    public void Reads_each_length_form(long length, int headerLength)
    {
        byte[] header = Header(0x81, length);

        Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(new ReadOnlySequence<byte>(header), out var read, out _));
        Assert.Equal((true, FrameOpcode.Text, length, headerLength), (read.Fin, read.Opcode, read.PayloadLength, read.Length));
    }

    [Fact]
    public void Needs_more_until_the_masking_key_is_in_even_across_segments()
    {
        byte[] header = Header(0x82, 300);
        for (int cut = 0; cut < header.Length; cut++)
            Assert.Equal(HeaderRead.NeedMore, FrameHeader.TryRead(new ReadOnlySequence<byte>(header, 0, cut), out _, out _));

        Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(Segments(header[..3], header[3..5], header[5..]), out var read, out _));
        Assert.Equal((FrameOpcode.Binary, 300L, 8), (read.Opcode, read.PayloadLength, read.Length));
    }

    [Fact]
    public void A_length_with_the_top_bit_set_is_invalid()
    {
        byte[] header = [0x81, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, .. Key];

        Assert.Equal(HeaderRead.Invalid, FrameHeader.TryRead(new ReadOnlySequence<byte>(header), out _, out var error));
        Assert.Contains("top bit", error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(1000)]
    public void Unmasks_any_length_across_segments(int length)
    {
        byte[] text = Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();
        byte[] masked = text.Select((b, i) => (byte)(b ^ Key[i % 4])).ToArray();
        FrameHeader.TryRead(new ReadOnlySequence<byte>(Header(0x81, length)), out var header, out _);
        int cut = length / 3;

        var destination = new byte[length + 5];
        header.Unmask(Segments(masked[..cut], masked[cut..]), destination);

        Assert.Equal(text, destination[..length]);
    }

    private static byte[] Header(byte first, long length) => length switch
    {
        < 126 => [first, (byte)(0x80 | length), .. Key],
        <= ushort.MaxValue => [first, 0x80 | 126, (byte)(length >> 8), (byte)length, .. Key],
        _ => [first, 0x80 | 127, .. BitConverter.GetBytes(length).Reverse(), .. Key],
    };

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
            last = last.Append(part);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
