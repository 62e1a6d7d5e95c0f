using System.Text;
using System.Text.Json;
using Notifications.Channels;
using Notifications.Messages;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelRequestsTests
{
    private static ChannelRequest Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(ChannelRequests.Handles(document.RootElement.GetProperty("type")));
        return ChannelRequests.Read(document.RootElement);
    }

    [Fact]
    public void Reads_subscribe_with_and_without_since_and_unsubscribe()
    {
        Assert.Equal(new ChannelRequest(ChannelRequestKind.Subscribe, "team:42", null, null, null), Read("""{"type":"subscribe","channel":"team:42"}"""));
        Assert.Equal(new ChannelRequest(ChannelRequestKind.Subscribe, "team:42", "abc", null, null), Read("""{"type":"subscribe","channel":"team:42","since":"abc"}"""));
        Assert.Equal(new ChannelRequest(ChannelRequestKind.Unsubscribe, "team:42", null, null, null), Read("""{"type":"unsubscribe","channel":"team:42","since":"ignored"}"""));
    }

    [Theory]
    [InlineData("""{"type":"alert"}""")]
    [InlineData("""{"type":7}""")]
    [InlineData("""{"type":"Subscribe"}""")]
    public void Leaves_other_types_to_the_frame_parser(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(ChannelRequests.Handles(document.RootElement.GetProperty("type")));
    }

    [Fact]
    public void Reads_refresh()
    {
        var request = Read("""{"type":"refresh","token":"a.b.c"}""");
        Assert.Equal(ChannelRequestKind.Refresh, request.Kind);
        Assert.Equal("a.b.c", request.Token);
    }

    [Theory]
    [InlineData("""{"type":"subscribe"}""")]
    [InlineData("""{"type":"subscribe","channel":42}""")]
    [InlineData("""{"type":"subscribe","channel":"team:1","since":7}""")]
    [InlineData("""{"type":"subscribe","channel":"team:1","since":""}""")]
    [InlineData("""{"type":"unsubscribe","channel":null}""")]
    [InlineData("""{"type":"refresh"}""")]
    [InlineData("""{"type":"refresh","token":["a"]}""")]
    public void Refuses_missing_or_mistyped_fields_with_invalid_message(string json) =>
        Assert.Equal(ErrorCodes.InvalidMessage, Read(json).Error?.Code);

    [Fact]
    public void Refuses_overlong_since_and_token()
    {
        Assert.NotNull(Read($$"""{"type":"subscribe","channel":"c","since":"{{new string('a', 129)}}"}""").Error);
        Assert.NotNull(Read($$"""{"type":"refresh","token":"{{new string('a', 8193)}}"}""").Error);
    }

    [Fact]
    public void Replies_serialise_as_documented()
    {
        Assert.Equal("""{"type":"subscribed","channel":"team:42","resume":{"since":"x","complete":true,"replayed":2}}""",
            Text(ChannelFrames.Subscribed("team:42", new ResumeReport("x", true, 2))));
        Assert.Equal("""{"type":"subscribed","channel":"team:42"}""", Text(ChannelFrames.Subscribed("team:42", null)));
        Assert.Equal("""{"type":"unsubscribed","channel":"team:9","reason":"not_allowed"}""", Text(ChannelFrames.Unsubscribed("team:9", UnsubscribedMessage.NotAllowed)));
        Assert.Equal("""{"type":"refreshed","expiresAt":"2026-11-23T12:00:00+00:00"}""", Text(ChannelFrames.Refreshed(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero))));
        Assert.Equal("""{"type":"error","code":"channel_forbidden","message":"no","channel":"team:1"}""",
            Text(ChannelFrames.Error(ChannelVerdict.Refuse(ChannelErrors.ChannelForbidden, "no"), "team:1")));
    }

    [Fact]
    public void An_invalid_name_is_not_echoed_back()
    {
        var text = Text(ChannelFrames.Error(ChannelVerdict.Refuse(ChannelErrors.InvalidChannel, "bad"), "<script>"));
        Assert.DoesNotContain("script", text);
        Assert.Contains("invalid_channel", text);
    }

    private static string Text(SocketFrame frame) => Encoding.UTF8.GetString(ServerFrames.PayloadOf(frame));
}
