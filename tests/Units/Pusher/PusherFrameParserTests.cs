using System.Text;
using Notifications.Pusher.Protocol;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Client frames as pusher-js 8 writes them (its send_event: <c>JSON.stringify({event, data, channel})</c>), and bad ones.</summary>
public sealed class PusherFrameParserTests
{
    private static PusherClientFrame Parse(string json) => PusherFrameParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Subscribe_with_auth_and_channel_data_as_pusher_js_sends_it()
    {
        var frame = Parse("""{"event":"pusher:subscribe","data":{"auth":"k:sig","channel_data":"{\"user_id\":7}","channel":"presence-room"}}""");

        Assert.Equal(new SubscribeFrame("presence-room", "k:sig", """{"user_id":7}"""), frame);
    }

    [Fact]
    public void A_public_subscribe_has_an_empty_auth_and_data_may_also_come_as_a_json_string()
    {
        Assert.Equal(new SubscribeFrame("news", "", null), Parse("""{"event":"pusher:subscribe","data":{"auth":"","channel":"news"}}"""));
        Assert.Equal(new SubscribeFrame("news", null, null), Parse("""{"event":"pusher:subscribe","data":"{\"channel\":\"news\"}"}"""));
    }

    [Fact]
    public void Unsubscribe_ping_pong_and_signin()
    {
        Assert.Equal(new UnsubscribeFrame("news"), Parse("""{"event":"pusher:unsubscribe","data":{"channel":"news"}}"""));
        Assert.Same(PingFrame.Instance, Parse("""{"event":"pusher:ping","data":{}}"""));
        Assert.Same(PongFrame.Instance, Parse("""{"event":"pusher:pong","data":{}}"""));
        Assert.Equal(new SigninFrame("k:s", """{"id":"u1"}"""), Parse("""{"event":"pusher:signin","data":{"auth":"k:s","user_data":"{\"id\":\"u1\"}"}}"""));
    }

    [Fact]
    public void A_client_event_keeps_its_data_as_sent_and_its_size()
    {
        var frame = Assert.IsType<ClientEventFrame>(Parse("""{"event":"client-typing","data":{"who":"Ada"},"channel":"private-a"}"""));

        Assert.Equal(("client-typing", "private-a"), (frame.Event, frame.Channel));
        Assert.Equal("""{"who":"Ada"}""", frame.Data!.Value.GetRawText());
        Assert.Equal(13, frame.DataBytes);
        Assert.Null(Assert.IsType<ClientEventFrame>(Parse("""{"event":"client-x","channel":"private-a"}""")).Data);
    }

    [Theory]
    [InlineData("not json", "not well-formed JSON")]
    [InlineData("[1]", "JSON object with a string \"event\"")]
    [InlineData("""{"data":{}}""", "JSON object with a string \"event\"")]
    [InlineData("""{"event":5}""", "JSON object with a string \"event\"")]
    [InlineData("""{"event":"pusher_internal:member_added","data":{}}""", "Unknown event")]
    [InlineData("""{"event":"my-event","data":{}}""", "Unknown event")]
    [InlineData("""{"event":"pusher:subscribe"}""", "needs \"data\"")]
    [InlineData("""{"event":"pusher:subscribe","data":{}}""", "\"channel\" is required")]
    [InlineData("""{"event":"pusher:subscribe","data":{"channel":5}}""", "\"channel\" must be a string")]
    [InlineData("""{"event":"pusher:subscribe","data":{"channel":"x","channel_data":{"user_id":1}}}""", "\"channel_data\" must be a string")]
    [InlineData("""{"event":"pusher:subscribe","data":"nope"}""", "not JSON")]
    [InlineData("""{"event":"pusher:subscribe","data":[1]}""", "must be an object")]
    [InlineData("""{"event":"client-x","data":{}}""", "needs a string \"channel\"")]
    [InlineData("""{"event":"pusher:signin","data":{"auth":"k:s"}}""", "\"user_data\" is required")]
    public void Bad_frames_become_invalid_with_a_reason(string json, string reason)
    {
        var frame = Assert.IsType<InvalidFrame>(Parse(json));

        Assert.Contains(reason, frame.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_16_levels_is_refused()
    {
        string deep = new string('[', 20) + new string(']', 20);

        Assert.IsType<InvalidFrame>(Parse("{\"event\":\"client-x\",\"channel\":\"private-a\",\"data\":" + deep + "}"));
    }
}
