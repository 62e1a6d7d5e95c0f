using System.Text;
using System.Text.Json;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;

namespace Notifications.Tests.Units.Pusher;

/// <summary>The server's frames, byte for byte: pusher-js parses <c>data</c> when it is a string, so most carry it JSON-encoded.</summary>
public sealed class PusherFramesTests
{
    private static string Text(byte[] frame) => Encoding.UTF8.GetString(frame);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Connection_established_carries_socket_id_and_activity_timeout_as_a_json_string()
    {
        Assert.Equal("""{"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":30}"}""",
            Text(PusherFrames.ConnectionEstablished("123.456", 30)));
        var data = JsonDocument.Parse(JsonDocument.Parse(PusherFrames.ConnectionEstablished("123.456", 30)).RootElement.GetProperty("data").GetString()!).RootElement;
        Assert.Equal(("123.456", 30), (data.GetProperty("socket_id").GetString(), data.GetProperty("activity_timeout").GetInt32()));
    }

    [Fact]
    public void Ping_pong_and_plain_subscription_succeeded()
    {
        Assert.Equal("""{"event":"pusher:ping","data":"{}"}""", Text(PusherFrames.Ping));
        Assert.Equal("""{"event":"pusher:pong","data":"{}"}""", Text(PusherFrames.Pong));
        Assert.Equal("""{"event":"pusher_internal:subscription_succeeded","channel":"news","data":"{}"}""", Text(PusherFrames.SubscriptionSucceeded("news")));
    }

    [Fact]
    public void Errors_carry_an_object_as_pusher_sends_them()
    {
        Assert.Equal("""{"event":"pusher:error","data":{"code":4001,"message":"No app."}}""", Text(PusherFrames.Error(4001, "No app.")));
        Assert.Equal("""{"event":"pusher:error","channel":"private-a","data":{"code":4009,"message":"x"}}""", Text(PusherFrames.Error(4009, "x", "private-a")));
        Assert.Equal("""{"event":"pusher:subscription_error","channel":"private-a","data":{"type":"AuthError","error":"bad","status":4009}}""",
            Text(PusherFrames.SubscriptionError("private-a", "AuthError", "bad", 4009)));
    }

    [Fact]
    public void A_presence_subscription_carries_ids_hash_and_count_of_every_member()
    {
        var frame = PusherFrames.PresenceSubscriptionSucceeded("presence-room",
            [new PresenceMember("7", Json("""{"name":"Ada"}""")), new PresenceMember("8", null)]);

        var root = JsonDocument.Parse(frame).RootElement;
        Assert.Equal("pusher_internal:subscription_succeeded", root.GetProperty("event").GetString());
        Assert.Equal("presence-room", root.GetProperty("channel").GetString());
        Assert.Equal("""{"presence":{"ids":["7","8"],"hash":{"7":{"name":"Ada"},"8":null},"count":2}}""", root.GetProperty("data").GetString());
    }

    [Fact]
    public void Member_added_and_removed_carry_the_user_as_a_json_string()
    {
        Assert.Equal("""{"event":"pusher_internal:member_added","channel":"presence-room","data":"{\"user_id\":\"7\",\"user_info\":{\"name\":\"Ada\"}}"}""",
            Text(PusherFrames.MemberAdded("presence-room", new PresenceMember("7", Json("""{"name":"Ada"}""")))));
        Assert.Equal("""{"event":"pusher_internal:member_removed","channel":"presence-room","data":"{\"user_id\":\"7\"}"}""",
            Text(PusherFrames.MemberRemoved("presence-room", "7")));
    }

    [Fact]
    public void An_api_event_carries_its_data_string_as_given_and_a_client_event_its_data_as_sent()
    {
        Assert.Equal("""{"event":"OrderShipped","channel":"orders","data":"{\"id\":5}"}""", Text(PusherFrames.Event("orders", "OrderShipped", """{"id":5}""")));
        Assert.Equal("""{"event":"client-typing","channel":"presence-room","data":{"who":"Ada"},"user_id":"7"}""",
            Text(PusherFrames.Event("presence-room", "client-typing", Json("""{"who":"Ada"}"""), "7")));
        Assert.Equal("""{"event":"client-x","channel":"private-a"}""", Text(PusherFrames.Event("private-a", "client-x", null, null)));
    }

    [Fact]
    public void Quotes_are_escaped_as_backslash_quote_and_non_ascii_text_is_left_as_it_is()
    {
        Assert.Equal("{\"event\":\"x\",\"channel\":\"c\",\"data\":\"{\\\"n\\\":\\\"Zoë <3\\\"}\"}", Text(PusherFrames.Event("c", "x", "{\"n\":\"Zoë <3\"}")));
    }

    [Fact]
    public void Signin_success_carries_user_data_for_pusher_js_to_parse()
    {
        var root = JsonDocument.Parse(PusherFrames.SigninSuccess("""{"id":"u1"}""")).RootElement;

        Assert.Equal("pusher:signin_success", root.GetProperty("event").GetString());
        var data = JsonDocument.Parse(root.GetProperty("data").GetString()!).RootElement;
        Assert.Equal("""{"id":"u1"}""", data.GetProperty("user_data").GetString());
    }
}
