namespace Notifications.Tests.Units.Pusher;

/// <summary>Client events, sign-in, pings and the activity check of one session.</summary>
public sealed class PusherSessionEventsTests
{
    private const string PrivateAuth = "app-key:2fff026ef2d817e60876c4ba3c6d3ca7d6f612166febe1cb37f28076a616c906";
    private const string PresenceAuth = "app-key:e7c5c2630e1ed89a2e396550072481a31f6f6d70b9506fb1b9ab1923cb5a6d23";
    private const string UserData = """{\"id\":\"u1\",\"name\":\"Ada\"}""";
    private const string SigninAuth = "app-key:543cb56c891198f3bc4c37c9dbd72f8cfa7ff0ee1c23453084dff974aaa8ebee";

    private static PusherSessionFixture Joined(Action<Notifications.Configuration.PusherOptions>? configure = null)
    {
        var f = new PusherSessionFixture(configure);
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"news"}}""");
        f.Send($$$"""{"event":"pusher:subscribe","data":{"channel":"private-orders.5","auth":"{{{PrivateAuth}}}"}}""");
        f.Send($$$"""{"event":"pusher:subscribe","data":{"channel":"presence-room","auth":"{{{PresenceAuth}}}","channel_data":"{\"user_id\":7,\"user_info\":{\"name\":\"Ada\"}}"}}""");
        f.Frames.Sent.Clear();
        return f;
    }

    private static string ClientEvent(string channel, string data = """{"typing":true}""", string name = "client-typing") =>
        $$$"""{"event":"{{{name}}}","data":{{{data}}},"channel":"{{{channel}}}"}""";

    [Fact]
    public void A_client_event_on_a_private_channel_is_published_for_the_others_with_its_data_as_sent()
    {
        var f = Joined();

        f.Send(ClientEvent("private-orders.5"));

        var published = Assert.Single(f.Channels.Published);
        Assert.Equal(("1001", "private-orders.5", "client-typing", "123.456"), (published.App, published.Channels.Single(), published.Event, published.ExceptSocketId));
        Assert.Equal("""{"typing":true}""", published.Data!.Value.GetRawText());
        Assert.Null(published.UserId);
        Assert.Empty(f.Frames.Sent);
        Assert.Equal("""{"event":"client-typing","channel":"private-orders.5","data":{"typing":true}}""",
            System.Text.Encoding.UTF8.GetString(published.Frame("private-orders.5")));
    }

    [Fact]
    public void A_client_event_on_a_presence_channel_carries_the_senders_user_id()
    {
        var f = Joined();

        f.Send(ClientEvent("presence-room"));

        Assert.Equal("7", Assert.Single(f.Channels.Published).UserId);
    }

    [Theory]
    [InlineData("news", "private- and presence-")]
    [InlineData("private-other", "Subscribe to the channel")]
    public void A_client_event_on_a_public_or_unjoined_channel_is_refused_with_4302(string channel, string reason)
    {
        var f = Joined();

        f.Send(ClientEvent(channel));

        Assert.Empty(f.Channels.Published);
        Assert.Equal(4302, f.Frames.ErrorCode);
        Assert.Contains(reason, f.Frames.Last("pusher:error").GetProperty("data").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_events_can_be_turned_off_and_are_held_to_the_apps_size_and_name_limits()
    {
        var off = Joined(o => o.ClientEvents = false);
        off.Send(ClientEvent("private-orders.5"));
        Assert.Equal(4302, off.Frames.ErrorCode);

        var small = Joined(o => o.MaxEventBytes = 256);
        small.Send(ClientEvent("private-orders.5", $"\"{new string('x', 300)}\""));
        Assert.Equal(4302, small.Frames.ErrorCode);
        small.Send(ClientEvent("private-orders.5", name: "client-" + new string('n', 200)));
        Assert.Equal(2, small.Frames.Events.Count(e => e == "pusher:error"));

        Assert.Empty(off.Channels.Published);
        Assert.Empty(small.Channels.Published);
    }

    [Fact]
    public void More_than_the_apps_client_events_per_second_are_refused_with_4301_until_the_next_second()
    {
        var f = Joined(o => o.ClientEventsPerSecond = 3);

        for (int i = 0; i < 5; i++)
            f.Send(ClientEvent("private-orders.5"));
        Assert.Equal(3, f.Channels.Published.Count);
        Assert.Equal(4301, f.Frames.ErrorCode);

        f.Clock.Advance(TimeSpan.FromSeconds(1));
        f.Send(ClientEvent("private-orders.5"));
        Assert.Equal(4, f.Channels.Published.Count);
    }

    [Fact]
    public void A_ping_is_answered_with_a_pong_and_a_bad_frame_with_4300()
    {
        var f = new PusherSessionFixture();

        f.Send("""{"event":"pusher:ping","data":{}}""");
        f.Send("""{"event":"nope"}""");

        Assert.Equal(["pusher:pong", "pusher:error"], f.Frames.Events);
        Assert.Equal(4300, f.Frames.ErrorCode);
        Assert.Null(f.Frames.Closed);
    }

    [Fact]
    public void A_silent_client_is_pinged_after_the_activity_timeout_and_closed_with_4201_if_it_stays_silent()
    {
        var f = new PusherSessionFixture();

        f.Clock.Advance(TimeSpan.FromSeconds(34));
        f.Session.Tick();
        Assert.Empty(f.Frames.Sent);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        f.Session.Tick();
        Assert.Equal(["pusher:ping"], f.Frames.Events);
        f.Clock.Advance(TimeSpan.FromSeconds(29));
        f.Session.Tick();
        Assert.Null(f.Frames.Closed);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        f.Session.Tick();

        Assert.Equal(4201, f.Frames.Closed!.Value.Code);
        Assert.Equal(4201, f.Frames.ErrorCode);
    }

    [Fact]
    public void Any_frame_or_a_transport_pong_counts_as_life()
    {
        var f = new PusherSessionFixture();

        f.Clock.Advance(TimeSpan.FromSeconds(35));
        f.Session.Tick();
        f.Send("""{"event":"pusher:pong","data":{}}""");
        f.Clock.Advance(TimeSpan.FromSeconds(34));
        f.Session.NoteActivity();
        f.Clock.Advance(TimeSpan.FromSeconds(34));
        f.Session.Tick();

        Assert.Equal(["pusher:ping"], f.Frames.Events);
        Assert.Null(f.Frames.Closed);
    }

    [Fact]
    public void A_signed_in_socket_may_subscribe_to_its_own_server_to_user_channel_only()
    {
        var f = new PusherSessionFixture();

        f.Send($$$"""{"event":"pusher:signin","data":{"auth":"{{{SigninAuth}}}","user_data":"{{{UserData}}}"}}""");
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"#server-to-user-u1"}}""");
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"#server-to-user-u2"}}""");

        Assert.Equal("u1", f.Session.UserId);
        Assert.Equal("""{"id":"u1","name":"Ada"}""", f.Frames.Data("pusher:signin_success").GetProperty("user_data").GetString());
        Assert.Equal(["join pusher:1001:#server-to-user-u1"], f.Channels.Log);
        Assert.Equal(4009, f.Frames.ErrorCode);
    }

    [Fact]
    public void A_second_signin_as_another_user_closes_the_connection_with_4009_and_the_first_users_channel_goes_with_it()
    {
        var f = new PusherSessionFixture();
        f.Send($$$"""{"event":"pusher:signin","data":{"auth":"{{{SigninAuth}}}","user_data":"{{{UserData}}}"}}""");
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"#server-to-user-u1"}}""");
        const string Other = """{"id":"u2"}""";
        string signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            "app-secret"u8, System.Text.Encoding.UTF8.GetBytes($"{PusherSessionFixture.SocketId}::user::{Other}")));

        f.Send($$$"""{"event":"pusher:signin","data":{"auth":"app-key:{{{signature}}}","user_data":"{\"id\":\"u2\"}"}}""");

        Assert.Equal(4009, f.Frames.Closed!.Value.Code);
        Assert.Contains("signed in as another user", f.Frames.Closed.Value.Reason); // a good signature, refused for its user
        Assert.Equal("u1", f.Session.UserId);
        Assert.Equal(["join pusher:1001:#server-to-user-u1", "leave pusher:1001:#server-to-user-u1"], f.Channels.Log);
    }

    [Fact]
    public void A_bad_signin_closes_the_connection_with_4009()
    {
        var f = new PusherSessionFixture();
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"news"}}""");

        f.Send($$$"""{"event":"pusher:signin","data":{"auth":"{{{SigninAuth}}}","user_data":"{\"id\":\"someone-else\"}"}}""");
        f.Send("""{"event":"pusher:subscribe","data":{"channel":"more"}}""");

        Assert.Equal(4009, f.Frames.Closed!.Value.Code);
        Assert.Null(f.Session.UserId);
        Assert.Equal(["join pusher:1001:news", "leave pusher:1001:news"], f.Channels.Log);
    }
}
