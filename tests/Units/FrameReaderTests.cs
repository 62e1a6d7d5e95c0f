using System.Buffers;
using System.Text;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>The frame reader alone: client frames in, messages, pings and faults out, fed in any cut.</summary>
public sealed class FrameReaderTests
{
    private const int Cap = 1024;

    private sealed class Recorder : IFrameHandler
    {
        public List<string> Events { get; } = [];

        public void OnMessage(FrameOpcode opcode, ReadOnlySpan<byte> message) => Events.Add($"{opcode}:{Encoding.UTF8.GetString(message)}");

        public void OnPing(ReadOnlySpan<byte> payload) => Events.Add($"ping:{Encoding.UTF8.GetString(payload)}");

        public void OnFault(FrameFault fault, string detail) => Events.Add($"fault:{fault}");
    }

    /// <summary>Feeds <paramref name="bytes"/> in pieces of <paramref name="piece"/> bytes, as a pipe would hand them over, keeping what the reader left.</summary>
    private static (List<string> Events, bool Closed, long Left) Feed(byte[] bytes, int piece = int.MaxValue)
    {
        var reader = new FrameReader(Cap);
        var recorder = new Recorder();
        var pending = new List<byte>();
        bool closed = false;
        for (int at = 0; at < bytes.Length; at += piece)
        {
            pending.AddRange(bytes.Skip(at).Take(piece));
            if (closed)
                continue; // the reader is done: the rest stays unread
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            closed = reader.Read(ref buffer, recorder);
            pending = [.. buffer.ToArray()];
        }
        reader.Release();
        return (recorder.Events, closed, pending.Count);
    }

    private static byte[] Text(string text, bool fin = true) => RawClient.Text(text, fin);

    private static byte[] Frame(byte first, byte[] payload) => RawClient.Frame(first, payload);

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Messages_pings_and_the_close_come_out_in_order_however_the_bytes_are_cut(int piece)
    {
        byte[] bytes = [.. Text("one"), .. Frame(0x89, "p"u8.ToArray()), .. Text("tw", fin: false), .. Frame(0x8A, []),
            .. Frame(0x80, "o"u8.ToArray()), .. Frame(0x82, [1, 2]), .. Frame(0x88, [0x03, 0xE8]), .. Text("after the close")];

        var (events, closed, left) = Feed(bytes, piece);

        Assert.Equal(["Text:one", "ping:p", "Text:two", "Binary:\u0001\u0002"], events);
        Assert.True(closed);
        Assert.Equal(Text("after the close").Length, left);
    }

    [Fact]
    public void A_text_fragment_that_cannot_be_UTF8_fails_before_the_message_ends()
    {
        byte[] bytes = [.. Frame(0x01, [0x22, 0xC3]), .. Frame(0x00, [0xA9, 0xFF])];

        var (events, closed, _) = Feed(bytes);

        Assert.Equal(["fault:InvalidText"], events);
        Assert.False(closed);
    }

    [Fact]
    public void A_character_cut_by_a_fragment_boundary_is_fine_but_a_message_ending_inside_one_is_not()
    {
        Assert.Equal(["Text:\"é\""], Feed([.. Frame(0x01, [0x22, 0xC3]), .. Frame(0x80, [0xA9, 0x22])]).Events);
        Assert.Equal(["fault:InvalidText"], Feed([.. Frame(0x01, [0x22]), .. Frame(0x80, [0x22, 0xC3])]).Events);
    }

    [Fact]
    public void After_bad_text_data_is_thrown_away_but_the_client_s_close_is_still_seen()
    {
        byte[] bytes = [.. Frame(0x81, [0xC3, 0x28]), .. Text("ignored"), .. Frame(0x89, []), .. Frame(0x88, [])];

        var (events, closed, _) = Feed(bytes);

        Assert.Equal(["fault:InvalidText"], events);
        Assert.True(closed);
    }

    [Fact]
    public void A_message_over_the_cap_is_refused_from_its_header_and_its_payload_thrown_away_as_it_comes()
    {
        byte[] header = [0x81, 0x80 | 126, (Cap + 1) >> 8, (Cap + 1) & 0xFF, 1, 2, 3, 4];
        byte[] bytes = [.. header, .. new byte[Cap + 1], .. Frame(0x88, [0x03, 0xE8])];

        var (events, closed, _) = Feed(bytes, piece: 100);

        Assert.Equal(["fault:MessageTooBig"], events);
        Assert.True(closed);
    }

    [Fact]
    public void Fragments_adding_up_to_more_than_the_cap_are_refused()
    {
        var (events, _, _) = Feed([.. Frame(0x01, new byte[Cap - 10]), .. Frame(0x80, new byte[11])]);

        Assert.Equal(["fault:MessageTooBig"], events);
    }

    [Fact]
    public void After_a_framing_error_nothing_more_is_read()
    {
        byte[] bytes = [.. Frame(0xC1, "x"u8.ToArray()), .. Text("never"), .. Frame(0x88, [])];

        var (events, closed, left) = Feed(bytes);

        Assert.Equal(["fault:ProtocolError"], events);
        Assert.False(closed);
        Assert.Equal(0, left);
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0xED })] // 1005: reserved for reporting
    [InlineData(new byte[] { 0x03 })]
    [InlineData(new byte[] { 0x03, 0xE8, 0xC3, 0x28 })]
    public void A_close_frame_with_a_bad_body_is_a_protocol_error_not_a_close(byte[] body)
    {
        var (events, closed, _) = Feed(Frame(0x88, body));

        Assert.Equal(["fault:ProtocolError"], events);
        Assert.False(closed);
    }

    [Fact]
    public void A_frame_still_arriving_is_left_in_the_input()
    {
        byte[] frame = Text("whole");

        var (events, closed, left) = Feed(frame[..^1]);

        Assert.Empty(events);
        Assert.False(closed);
        Assert.Equal(frame.Length - 1, left);
    }
}
