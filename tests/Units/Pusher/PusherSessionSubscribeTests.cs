using Notifications.Pusher.Presence;
using Notifications.Pusher.Session;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Subscriptions, with auth strings the Node <c>pusher</c> SDK made for socket 123.456 (as Laravel's /broadcasting/auth would).</summary>
public sealed class PusherSessionSubscribeTests
{
    private const string PrivateAuth = "app-key:2fff026ef2d817e60876c4ba3c6d3ca7d6f612166febe1cb37f28076a616c906";
    private const string PresenceAuth = "app-key:e7c5c2630e1ed89a2e396550072481a31f6f6d70b9506fb1b9ab1923cb5a6d23";
    private const string PresenceData = """{\"user_id\":7,\"user_info\":{\"name\":\"Ada\"}}""";

    private readonly PusherSessionFixture _f = new();

    private static string Subscribe(string channel, string? auth = null, string? channelData = null)
    {
        string fields = $"\"channel\":\"{channel}\"" + (auth is null ? "" : $",\"auth\":\"{auth}\"") + (channelData is null ? "" : $",\"channel_data\":\"{channelData}\"");
        return "{\"event\":\"pusher:subscribe\",\"data\":{" + fields + "}}";
    }

    [Fact]
    public void Start_sends_connection_established_first()
    {
        _f.Session.Start();

        Assert.Equal(["pusher:connection_established"], _f.Frames.Events);
        Assert.Equal("123.456", _f.Frames.Data("pusher:connection_established").GetProperty("socket_id").GetString());
        Assert.Equal(30, _f.Frames.Data("pusher:connection_established").GetProperty("activity_timeout").GetInt32());
    }

    [Fact]
    public void A_public_channel_is_joined_under_our_name_for_it_and_acknowledged()
    {
        _f.Send(Subscribe("news"));

        Assert.Equal(["join pusher:1001:news"], _f.Channels.Log);
        Assert.Equal("news", _f.Frames.Last("pusher_internal:subscription_succeeded").GetProperty("channel").GetString());
        Assert.Equal(["news"], _f.Session.Channels);
    }

    [Fact]
    public void A_cache_channel_is_answered_with_a_cache_miss_after_its_subscription()
    {
        _f.Send(Subscribe("cache-prices"));
        _f.Send(Subscribe("news"));

        // Echo's listen('pusher:cache_miss') is where a page loads the first state from its backend.
        Assert.Equal(["pusher_internal:subscription_succeeded", "pusher:cache_miss", "pusher_internal:subscription_succeeded"], _f.Frames.Events);
        Assert.Equal("cache-prices", _f.Frames.Last("pusher:cache_miss").GetProperty("channel").GetString());
    }

    [Fact]
    public void A_private_channel_is_joined_with_the_sdks_signature()
    {
        _f.Send(Subscribe("private-orders.5", PrivateAuth));

        Assert.Equal(["join pusher:1001:private-orders.5"], _f.Channels.Log);
        Assert.Equal(["pusher_internal:subscription_succeeded"], _f.Frames.Events);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("app-key:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("other-key:2fff026ef2d817e60876c4ba3c6d3ca7d6f612166febe1cb37f28076a616c906")]
    public void A_private_channel_without_valid_auth_is_refused_with_4009_status_401_and_not_joined(string? auth)
    {
        _f.Send(Subscribe("private-orders.5", auth));

        Assert.Empty(_f.Channels.Log);
        Assert.Equal(["pusher:subscription_error", "pusher:error"], _f.Frames.Events);
        Assert.Equal(4009, _f.Frames.ErrorCode);
        Assert.Equal("AuthError", _f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("type").GetString());
        // An HTTP status, as pusher-js gives its own auth failures: apps test it for 401/403.
        Assert.Equal(401, _f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("status").GetInt32());
        Assert.Equal("private-orders.5", _f.Frames.Last("pusher:subscription_error").GetProperty("channel").GetString());
    }

    [Fact]
    public void A_signature_for_another_socket_does_not_work_here()
    {
        var other = _f.New("999.1");

        other.Receive(System.Text.Encoding.UTF8.GetBytes(Subscribe("private-orders.5", PrivateAuth)));

        Assert.Equal(4009, _f.Frames.ErrorCode);
    }

    [Fact]
    public void A_presence_channel_answers_with_every_member_and_the_user_is_announced_to_the_others()
    {
        var second = _f.New("1.2");
        string secondAuth = "app-key:" + PusherTestApps.App().Secret.Sign("1.2:presence-room:{\"user_id\":\"8\"}");
        second.Receive(System.Text.Encoding.UTF8.GetBytes(Subscribe("presence-room", secondAuth, """{\"user_id\":\"8\"}""")));

        _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));

        var presence = _f.Frames.Data("pusher_internal:subscription_succeeded").GetProperty("presence");
        Assert.Equal(2, presence.GetProperty("count").GetInt32());
        Assert.Equal("Ada", presence.GetProperty("hash").GetProperty("7").GetProperty("name").GetString());
        Assert.Equal(["+8 on pusher:1001:presence-room except 1.2", "+7 on pusher:1001:presence-room except 123.456"], _f.Outlet.Announced);
    }

    [Fact]
    public void A_signed_in_socket_joins_a_presence_channel_without_channel_data_as_its_user_as_pusher_js_asks()
    {
        const string UserData = """{"id":"u1","user_info":{"name":"Ada"}}""";
        var app = PusherTestApps.App();
        string signin = "app-key:" + app.Secret.Sign($"123.456::user::{UserData}");
        string privateStyle = "app-key:" + app.Secret.Sign("123.456:presence-room");

        _f.Send(Subscribe("presence-room", privateStyle));
        Assert.Equal(4009, _f.Frames.ErrorCode);
        Assert.Contains("signed in (pusher:signin) first", _f.Frames.Last("pusher:error").GetProperty("data").GetProperty("message").GetString(), StringComparison.Ordinal);

        _f.Send($$$"""{"event":"pusher:signin","data":{"auth":"{{{signin}}}","user_data":"{\"id\":\"u1\",\"user_info\":{\"name\":\"Ada\"}}"}}""");
        _f.Send(Subscribe("presence-room", privateStyle));

        var presence = _f.Frames.Data("pusher_internal:subscription_succeeded").GetProperty("presence");
        Assert.Equal(["u1"], presence.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("Ada", presence.GetProperty("hash").GetProperty("u1").GetProperty("name").GetString());
        Assert.Equal(["join pusher:1001:presence-room"], _f.Channels.Log);
    }

    [Fact]
    public void Bad_channel_data_is_refused_even_when_signed()
    {
        string data = """{\"name\":\"no id\"}""";
        string auth = "app-key:" + PusherTestApps.App().Secret.Sign("123.456:presence-room:{\"name\":\"no id\"}");

        _f.Send(Subscribe("presence-room", auth, data));

        Assert.Equal(4009, _f.Frames.ErrorCode);
        Assert.Contains("user_id", _f.Frames.Last("pusher:error").GetProperty("data").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_f.Channels.Log);
    }

    [Fact]
    public void A_full_presence_channel_refuses_a_new_user_but_not_another_socket_of_a_member()
    {
        var f = new PusherSessionFixture(o => o.MaxPresenceMembers = 1);
        f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));
        var sameUser = f.New("123.456", o => o.MaxPresenceMembers = 1);
        var newUser = f.New("5.5", o => o.MaxPresenceMembers = 1);
        string newAuth = "app-key:" + PusherTestApps.App().Secret.Sign("5.5:presence-room:{\"user_id\":\"9\"}");

        sameUser.Receive(System.Text.Encoding.UTF8.GetBytes(Subscribe("presence-room", PresenceAuth, PresenceData)));
        Assert.DoesNotContain("pusher:error", f.Frames.Events);
        newUser.Receive(System.Text.Encoding.UTF8.GetBytes(Subscribe("presence-room", newAuth, """{\"user_id\":\"9\"}""")));

        Assert.Equal(4303, f.Frames.ErrorCode);
        Assert.Equal("LimitReached", f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("type").GetString());
        Assert.Equal(4303, f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("status").GetInt32());
    }

    [Fact]
    public void The_channel_cap_and_bad_names_are_refused_with_4303()
    {
        var f = new PusherSessionFixture(o => o.MaxChannelsPerConnection = 2);
        f.Send(Subscribe("a"));
        f.Send(Subscribe("b"));
        f.Send(Subscribe("c"));
        Assert.Equal(4303, f.Frames.ErrorCode);

        f.Send(Subscribe("user:5"));
        Assert.Equal("InvalidChannel", f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("type").GetString());
        Assert.Equal(["join pusher:1001:a", "join pusher:1001:b"], f.Channels.Log);
    }

    [Fact]
    public void Subscribe_and_signin_requests_past_their_budget_close_the_socket_with_4101_and_leave_every_channel()
    {
        // The burst is the app's channel cap (100) and two more: a reconnect signs in and subscribes to all at once.
        for (int i = 0; i < 102; i++)
            _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData)); // each answered with the member list
        Assert.Equal(102, _f.Frames.Events.Count(e => e == "pusher_internal:subscription_succeeded"));
        Assert.Null(_f.Frames.Closed);

        _f.Clock.Advance(TimeSpan.FromMilliseconds(100)); // one more, at ten a second
        _f.Send(Subscribe("news"));
        Assert.Equal(["news", "presence-room"], _f.Session.Channels.Order());
        _f.Frames.Sent.Clear();
        _f.Send("""{"event":"pusher:signin","data":{"user_data":"{\"id\":\"7\"}","auth":"app-key:00"}}""");

        Assert.Equal(4101, _f.Frames.ErrorCode);
        Assert.Equal(4101, _f.Frames.Closed?.Code);
        Assert.Contains("at most 10 a second (bursts of 102)", _f.Frames.Closed?.Reason);
        Assert.Empty(_f.Session.Channels);
        Assert.Contains("leave pusher:1001:presence-room", _f.Channels.Log);
        _f.Send(Subscribe("weather"));
        Assert.DoesNotContain("join pusher:1001:weather", _f.Channels.Log);
    }

    [Fact]
    public void A_page_that_asks_for_more_channels_than_the_cap_gets_refusals_and_keeps_its_socket()
    {
        // pusher-js subscribes to every channel at once, and again after each reconnect: a close here would repeat for good.
        const string UserData = """{"id":"u1"}""";
        string signin = "app-key:" + PusherTestApps.App().Secret.Sign($"123.456::user::{UserData}");
        _f.Send($$$"""{"event":"pusher:signin","data":{"auth":"{{{signin}}}","user_data":"{\"id\":\"u1\"}"}}""");
        for (int i = 0; i < 130; i++)
            _f.Send(Subscribe($"orders-{i}"));
        _f.Send(Subscribe("#server-to-user-u1"));

        Assert.Null(_f.Frames.Closed);
        Assert.Contains("pusher:signin_success", _f.Frames.Events);
        Assert.Equal(100, _f.Frames.Events.Count(e => e == "pusher_internal:subscription_succeeded"));
        Assert.Equal(31, _f.Frames.Events.Count(e => e == "pusher:subscription_error"));
        Assert.Equal("LimitReached", _f.Frames.Last("pusher:subscription_error").GetProperty("data").GetProperty("type").GetString());
        Assert.Equal(100, _f.Session.Channels.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_member_announced_while_a_presence_subscription_is_answered_comes_after_the_answer()
    {
        // pusher-js replaces its member list with subscription_succeeded's: a member_added queued ahead of it would be lost.
        var remoteJoin = new PresenceDelta("other", 1, 1, "pusher:1001:presence-room", "9", null, Present: true);
        Task? announcing = null;
        bool announcedFirst = false;
        var sink = new AnswerSink(() =>
        {
            announcing = Task.Run(() => _f.Roster.Receive(remoteJoin));
            // Time for the other instance's join to be announced, if nothing holds it back.
            announcing.Wait(TimeSpan.FromMilliseconds(300));
            announcedFirst = _f.Outlet.Announced.Contains("+9 on pusher:1001:presence-room");
        });
        var session = new PusherSession(PusherTestApps.App(), PusherSessionFixture.SocketId, 30, sink, _f.Channels, _f.Roster, _f.Clock);

        session.Receive(System.Text.Encoding.UTF8.GetBytes(Subscribe("presence-room", PresenceAuth, PresenceData)));
        await announcing!;

        Assert.False(announcedFirst);
        Assert.Contains("+9 on pusher:1001:presence-room", _f.Outlet.Announced);
    }

    /// <summary>Runs <paramref name="onAnswer"/> as a presence subscription_succeeded is queued, before it counts as sent.</summary>
    private sealed class AnswerSink(Action onAnswer) : IPusherSink
    {
        public void Send(byte[] frame)
        {
            if (System.Text.Json.JsonDocument.Parse(frame).RootElement.GetProperty("event").GetString() == "pusher_internal:subscription_succeeded")
                onAnswer();
        }

        public void Close(int code, string reason)
        {
        }
    }

    [Fact]
    public void Subscribing_again_is_acknowledged_again_without_joining_twice()
    {
        _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));
        _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));

        Assert.Equal(["join pusher:1001:presence-room"], _f.Channels.Log);
        Assert.Equal(2, _f.Frames.Events.Count(e => e == "pusher_internal:subscription_succeeded"));
        Assert.Single(_f.Outlet.Announced);
    }

    [Fact]
    public void Unsubscribing_leaves_the_channel_and_the_presence_member_leaves_with_its_last_socket()
    {
        _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));
        _f.Send("""{"event":"pusher:unsubscribe","data":{"channel":"presence-room"}}""");
        _f.Send("""{"event":"pusher:unsubscribe","data":{"channel":"never-joined"}}""");

        Assert.Equal(["join pusher:1001:presence-room", "leave pusher:1001:presence-room"], _f.Channels.Log);
        Assert.Equal("-7 on pusher:1001:presence-room except 123.456", _f.Outlet.Announced[^1]);
        Assert.Empty(_f.Roster.Members("pusher:1001:presence-room"));
        Assert.Empty(_f.Session.Channels);
    }

    [Fact]
    public void Ending_leaves_everything_and_later_frames_are_ignored()
    {
        _f.Send(Subscribe("news"));
        _f.Send(Subscribe("presence-room", PresenceAuth, PresenceData));

        _f.Session.End();
        _f.Send(Subscribe("more"));
        _f.Session.End();

        Assert.Equal(["join pusher:1001:news", "join pusher:1001:presence-room", "leave pusher:1001:news", "leave pusher:1001:presence-room"], _f.Channels.Log);
        Assert.Empty(_f.Roster.Members("pusher:1001:presence-room"));
    }
}
