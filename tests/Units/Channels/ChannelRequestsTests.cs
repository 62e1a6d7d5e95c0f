using System.Text;
using Notifications.Channels;
using Notifications.Messages;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelRequestsTests
{
    private static ClientRequest Read(string json) => ClientFrameParser.Parse(Encoding.UTF8.GetBytes(json), 280);

    [Fact]
    public void Reads_subscribe_with_and_without_since_and_unsubscribe()
    {
        Assert.Equal(new ClientRequest(ClientRequestKind.Subscribe, null, "team:42", null, null, null), Read("""{"type":"subscribe","channel":"team:42"}"""));
        Assert.Equal(new ClientRequest(ClientRequestKind.Subscribe, null, "team:42", "abc", null, null), Read("""{"type":"subscribe","channel":"team:42","since":"abc"}"""));
        Assert.Equal(new ClientRequest(ClientRequestKind.Unsubscribe, null, "team:42", null, null, null), Read("""{"type":"unsubscribe","channel":"team:42","since":"ignored"}"""));
    }

    [Fact]
    public void Reads_an_alert_with_and_without_its_channel()
    {
        Assert.Equal(new ClientRequest(ClientRequestKind.Alert, "hi", null, null, null, null), Read("""{"type":"alert","text":" hi "}"""));
        Assert.Equal(new ClientRequest(ClientRequestKind.Alert, "hi", "team:1", null, null, null), Read("""{"type":"alert","channel":"team:1","text":"hi"}"""));
        Assert.Equal(ErrorCodes.InvalidMessage, Read("""{"type":"alert","channel":1,"text":"hi"}""").Error?.Code);
    }

    [Theory]
    [InlineData("""{"type":"Subscribe","channel":"a"}""")]
    [InlineData("""{"type":"join","channel":"a"}""")]
    public void Other_types_are_unknown(string json) => Assert.Equal(ErrorCodes.UnknownType, Read(json).Error?.Code);

    [Fact]
    public void Reads_refresh_and_never_prints_its_token()
    {
        var request = Read("""{"type":"refresh","token":"a.b.c"}""");
        Assert.Equal(ClientRequestKind.Refresh, request.Kind);
        Assert.Equal("a.b.c", request.Token);
        Assert.DoesNotContain("a.b.c", request.ToString());
    }

    [Theory]
    [InlineData("""{"type":"subscribe"}""")]
    [InlineData("""{"type":"subscribe","channel":42}""")]
    [InlineData("""{"type":"subscribe","channel":"team:1","since":7}""")]
    [InlineData("""{"type":"subscribe","channel":"team:1","since":""}""")]
    [InlineData("""{"type":"unsubscribe","channel":null}""")]
    [InlineData("""{"type":"refresh"}""")]
    [InlineData("""{"type":"refresh","token":""}""")]
    [InlineData("""{"type":"refresh","token":["a"]}""")]
    public void Refuses_missing_or_mistyped_fields_with_invalid_message(string json) =>
        Assert.Equal(ErrorCodes.InvalidMessage, Read(json).Error?.Code);

    [Fact]
    public void Refuses_an_overlong_since()
    {
        Assert.NotNull(Read($$"""{"type":"subscribe","channel":"c","since":"{{new string('a', 166)}}"}""").Error);
        Assert.Null(Read($$"""{"type":"subscribe","channel":"c","since":"{{new string('a', 165)}}"}""").Error);
    }

    [Fact]
    public void Replies_serialise_as_documented()
    {
        var at = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);
        Assert.Equal("""{"type":"subscribed","channel":"team:42","resume":{"since":"x","complete":true,"replayed":2},"serverTime":"2026-11-23T11:00:00+00:00"}""",
            Text(Frames.Subscribed("team:42", new ResumeReport("x", true, 2), at)));
        Assert.Equal("""{"type":"subscribed","channel":"team:42","serverTime":"2026-11-23T11:00:00+00:00"}""", Text(Frames.Subscribed("team:42", null, at)));
        Assert.Equal("""{"type":"unsubscribed","channel":"team:9","reason":"not_allowed","serverTime":"2026-11-23T11:00:00+00:00"}""",
            Text(Frames.Unsubscribed("team:9", UnsubscribedMessage.NotAllowed, at)));
        Assert.Equal("""{"type":"unsubscribed","channel":"team:9","serverTime":"2026-11-23T11:00:00+00:00"}""", Text(Frames.Unsubscribed("team:9", null, at)));
        Assert.Equal("""{"type":"refreshed","expiresAt":"2026-11-23T12:00:00+00:00","serverTime":"2026-11-23T11:00:00+00:00"}""",
            Text(Frames.Refreshed(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), at)));
        Assert.Equal("""{"type":"presence","clients":42,"instances":5,"serverTime":"2026-11-23T11:00:00+00:00"}""",
            Text(Frames.Presence(new PresenceMessage(42, 5), at)));
        Assert.Equal("""{"type":"error","code":"channel_forbidden","message":"no","channel":"team:1"}""",
            Text(ChannelVerdict.Refuse(ErrorCodes.ChannelForbidden, "no").ErrorFrame("team:1")));
    }

    [Fact]
    public void Alerts_carry_their_channel_and_travel_on_the_topic_by_type()
    {
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        var global = new AlertMessage("a", "hi", "ams", "i", at);
        var team = global with { Channel = "team:1" };
        Assert.Equal("""{"type":"alert","id":"a","text":"hi","region":"ams","instance":"i","sentAt":"2026-11-23T12:00:00+00:00","channel":"global"}""",
            Encoding.UTF8.GetString(Frames.TopicAlert(global)));
        Assert.Equal("""{"type":"channel_alert","id":"a","channel":"team:1","text":"hi","region":"ams","instance":"i","sentAt":"2026-11-23T12:00:00+00:00"}""",
            Encoding.UTF8.GetString(Frames.TopicAlert(team)));
        Assert.Contains("\"type\":\"alert\"", Encoding.UTF8.GetString(Frames.Alert(team)));
    }

    [Fact]
    public void An_invalid_name_is_not_echoed_back()
    {
        var text = Text(ChannelVerdict.Refuse(ErrorCodes.InvalidChannel, "bad").ErrorFrame("<script>"));
        Assert.DoesNotContain("script", text);
        Assert.Contains("invalid_channel", text);
    }

    private static string Text(SocketFrame frame) => Encoding.UTF8.GetString(ServerFrames.PayloadOf(frame));
}
