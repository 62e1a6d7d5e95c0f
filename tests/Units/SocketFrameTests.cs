using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using Notifications.Messages;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>The frames the server writes, read back byte by byte as RFC 6455 §5.2 lays them out.</summary>
public sealed class SocketFrameTests
{
    [Theory]
    [InlineData(0, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65_535, 4)]
    [InlineData(65_536, 10)]
    public void A_text_frame_is_final_unmasked_and_uses_the_shortest_length_form(int length, int headerLength)
    {
        byte[] payload = Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();

        byte[] bytes = SocketFrame.Text(payload).Bytes;

        Assert.Equal(0x81, bytes[0]);
        Assert.Equal(0, bytes[1] & 0x80);
        long declared = headerLength switch
        {
            2 => bytes[1],
            4 => BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)),
            _ => (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(2)),
        };
        Assert.Equal(length, declared);
        Assert.Equal(payload, ServerFrames.PayloadOf(SocketFrame.Text(payload)).ToArray());
        Assert.Equal(headerLength + length, bytes.Length);
    }

    [Fact]
    public void Joined_text_frames_are_each_payload_framed_back_to_back_and_count_as_the_frames_they_hold()
    {
        var large = new byte[300];
        large.AsSpan().Fill((byte)'x');
        byte[] payloads = [(byte)'a', (byte)'b', (byte)'c', .. large];
        Span<Range> frames = new Range[3];

        var joined = SocketFrame.JoinText(payloads, [1, 2, 300], frames);

        Assert.Equal(3, joined.Count);
        Assert.Equal([.. SocketFrame.Text("a"u8).Bytes, .. SocketFrame.Text("bc"u8).Bytes, .. SocketFrame.Text(large).Bytes], joined.Bytes);
        Assert.Equal(SocketFrame.Text("bc"u8).Bytes, joined.Bytes.AsSpan(frames[1]).ToArray());
        Assert.Equal(SocketFrame.Text(large).Bytes, joined.Bytes.AsSpan(frames[2]).ToArray());

        // Each length form, and a frame after another, where its header starts mid-array.
        int[] lengths = [125, 126, 65_535, 65_536, 3];
        var random = new byte[lengths.Sum()];
        Random.Shared.NextBytes(random);
        Span<Range> places = new Range[lengths.Length];
        var forms = SocketFrame.JoinText(random, lengths, places);
        for (int i = 0, at = 0; i < lengths.Length; at += lengths[i], i++)
            Assert.Equal(SocketFrame.Text(random.AsSpan(at, lengths[i])).Bytes, forms.Bytes.AsSpan(places[i]).ToArray());
        Assert.Equal(places[^1].End.Value, forms.Bytes.Length);

        var one = SocketFrame.JoinText("a"u8, [1], frames[..1]);
        Assert.Equal(1, one.Count);
        Assert.Equal(SocketFrame.Text("a"u8).Bytes, one.Bytes);
    }

    [Fact]
    public void Picked_frames_are_those_of_the_joined_frame_in_the_order_given()
    {
        Span<Range> frames = new Range[3];
        var joined = SocketFrame.JoinText("abcdef"u8, [1, 2, 3], frames);

        var picked = SocketFrame.Pick(joined, [frames[0], frames[2]]);

        Assert.Equal(2, picked.Count);
        Assert.Equal([.. SocketFrame.Text("a"u8).Bytes, .. SocketFrame.Text("def"u8).Bytes], picked.Bytes);
    }

    [Fact]
    public void A_pong_carries_the_ping_s_payload_and_an_empty_one_is_shared()
    {
        Assert.Equal([0x8A, 2, (byte)'h', (byte)'i'], SocketFrame.Pong("hi"u8).Bytes);
        Assert.Same(SocketFrame.Pong([]).Bytes, SocketFrame.EmptyPong.Bytes);
        Assert.Equal([0x8A, 0], SocketFrame.EmptyPong.Bytes);
        Assert.Equal([0x89, 0], SocketFrame.Ping.Bytes);
    }

    [Fact]
    public void A_close_frame_carries_its_code_and_a_reason_cut_to_fit_a_control_frame()
    {
        byte[] bytes = SocketFrame.Close((WebSocketCloseStatus)1012, "server restarting; reconnect").Bytes;
        Assert.Equal(0x88, bytes[0]);
        Assert.Equal(1012, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)));
        Assert.Equal("server restarting; reconnect", Encoding.UTF8.GetString(bytes.AsSpan(4)));

        byte[] longest = SocketFrame.Close(WebSocketCloseStatus.NormalClosure, "a" + string.Concat(Enumerable.Repeat("👽", 100))).Bytes;
        Assert.InRange(longest[1], 2, 125);
        Assert.Null(CloseCodes.CheckReceived(longest.AsSpan(2)));
    }

    [Fact]
    public void A_message_frame_holds_exactly_the_json_the_serializer_makes_of_it_whatever_came_before_on_the_thread()
    {
        var data = System.Text.Json.JsonDocument.Parse("""{"build":7,"note":"ünïcödé \"quoted\" <tag>"}""").RootElement;
        var big = new AlertMessage("a-1", new string('x', 20_000), "ams", "m", DateTimeOffset.UnixEpoch, "global", data);
        var small = new AlertMessage("a-2", "Deploy <b>finished</b> ✓", "ams", "m", DateTimeOffset.UnixEpoch);

        foreach (var alert in new[] { small, big, small })
        {
            byte[] expected = SocketFrame.Text(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(alert, NotificationsJsonContext.Default.AlertMessage)).Bytes;
            Assert.Equal(expected, Frames.AlertFrame(alert).Bytes);
        }
        Assert.Equal(SocketFrame.Text(Encoding.UTF8.GetBytes("""{"type":"goaway","reconnectAfterMs":250,"serverTime":"1970-01-01T00:00:00+00:00"}""")).Bytes,
            Frames.GoAway(250, DateTimeOffset.UnixEpoch).Bytes);
    }

    [Fact]
    public void A_broadcast_s_alerts_are_framed_as_each_alone_back_to_back_however_large_and_many()
    {
        var data = System.Text.Json.JsonDocument.Parse("""{"note":"ünïcödé"}""").RootElement;
        var small = new AlertMessage("a-1", "Deploy <b>finished</b> ✓", "ams", "m", DateTimeOffset.UnixEpoch);
        var large = new AlertMessage("a-2", new string('é', 30_000), "ams", "m", DateTimeOffset.UnixEpoch, "global", data);
        // Past the thread's kept scratch and past the first guess at the payloads' room, then small again on the same thread.
        AlertMessage[][] broadcasts = [[small], [small, large, small, large], [.. Enumerable.Repeat(small, 300)], [small, small]];

        foreach (var alerts in broadcasts)
        {
            Span<Range> frames = new Range[alerts.Length];
            var joined = Frames.AlertFrames(alerts, frames);

            Assert.Equal(alerts.Length, joined.Count);
            Assert.Equal(alerts.SelectMany(a => Frames.AlertFrame(a).Bytes).ToArray(), joined.Bytes);
            for (int i = 0; i < alerts.Length; i++)
                Assert.Equal(Frames.AlertFrame(alerts[i]).Bytes, joined.Bytes.AsSpan(frames[i]).ToArray());
        }
    }
}
