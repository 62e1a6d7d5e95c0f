using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Notifications.Tests.Browser;
using Notifications.Tests.Infrastructure;
using Notifications.Tests.Pusher.Harness;
using static Notifications.Tests.Pusher.Harness.EchoPage;

namespace Notifications.Tests.Pusher;

/// <summary>
/// The Pusher door of the real server: two instances on the real Pub/Sub emulator, Laravel Echo on pusher-js in
/// Chromium on each (its auth endpoint on a host of its own, signing with the Node SDK as Laravel does), the
/// Node <c>pusher</c> SDK publishing and querying, and a <c>/ws</c> socket on the same channel. Every event
/// once, on the right channel, on both instances and both doors.
/// </summary>
public sealed class PusherServerTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    internal const string Apps = "1001:app-key:app-secret,2002:other-key:other-secret";
    internal const string TokenSecret = "pusher-door-test-secret-of-32-bytes-or-more";
    private readonly string _topic = TestInstance.NewTopic();
    private Signer _signer = null!;
    private PageHost _pages = null!;
    private TestInstance _a = null!;
    private TestInstance _b = null!;

    /// <summary>An instance on the emulator serving the test apps, with quick heartbeats so the census is fresh.</summary>
    internal static Dictionary<string, string?> Settings(PubSubEmulator emulator, string topic, string region)
    {
        var settings = TestInstance.EmulatorSettings(emulator, topic, region);
        settings["PUSHER_APPS"] = Apps;
        settings["HEARTBEAT_SECONDS"] = "1";
        settings["AUTH_HS256_SECRET"] = TokenSecret;
        return settings;
    }

    public async ValueTask InitializeAsync()
    {
        chromium.Require();
        await PusherClients.RequireAsync();
        _signer = new Signer("1001", "app-key", "app-secret");
        _pages = await PageHost.StartAsync(_signer);
        // One instance takes Pusher's handshakes on the bare socket, the other through Kestrel: both transports serve the door.
        var kestrelOnly = Settings(emulator, _topic, "syd");
        kestrelOnly["WS_BARE_SOCKETS"] = "false";
        var instances = await Task.WhenAll(TestInstance.StartAsync(Settings(emulator, _topic, "ams"), output), TestInstance.StartAsync(kestrelOnly, output));
        (_a, _b) = (instances[0], instances[1]);
        await _a.WaitReadyAsync();
        await _b.WaitReadyAsync();
    }

    private Task<EchoPage> OpenAsync(TestInstance instance, string user, string name) =>
        EchoPage.OpenAsync(chromium, _pages.PageUri(instance.BaseUri, "app-key", user, name), name, output);

    internal static Task<JsonElement[]> TriggerAsync(TestInstance instance, params object[] calls) =>
        PusherClients.ApiAsync(new { host = "127.0.0.1", port = instance.BaseUri.Port, appId = "1001", key = "app-key", secret = "app-secret", calls });

    private static Func<JsonElement, bool> Event(string channel, string name) =>
        e => Kind(e) == "event" && e.GetProperty("channel").GetString() == channel && e.GetProperty("event").GetString() == name;

    private static string[] Titles(IEnumerable<JsonElement> events) => [.. events.Select(e => e.GetProperty("data").GetProperty("title").GetString()!)];

    /// <summary>A <c>/ws</c> socket whose token lets it join and publish on app 1001's Pusher channels.</summary>
    internal static Task<TestSocket> OurSocketAsync(TestInstance instance)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "ws-user",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
            ["channels"] = new[] { "pusher:1001:*" },
            ["publish"] = new[] { "pusher:1001:*" },
        };
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TokenSecret));
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256) });
        return TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Authorization"] = "Bearer " + token });
    }

    [Fact(Timeout = 120_000)]
    public async Task Sdk_events_reach_echo_on_both_instances_and_a_ws_socket_once_and_socket_id_excludes()
    {
        await using var ada = await OpenAsync(_a, "7", "Ada");
        await using var bob = await OpenAsync(_b, "8", "Bob");
        await using var ours = await OurSocketAsync(_b);
        await ours.SendJsonAsync("""{"type":"subscribe","channel":"pusher:1001:news"}""");
        await ours.WaitForAsync("subscribed");
        await ada.RunAsync("harness.listen('public', 'news', '.NewsPosted'); harness.listen('private', 'orders.7', '.OrderShipped')");
        await bob.RunAsync("harness.listen('public', 'news', '.NewsPosted')");
        await ada.WaitForAsync(e => Kind(e) == "subscribed" && e.GetProperty("channel").GetString() == "private-orders.7", "Ada is on private-orders.7");
        await bob.WaitForAsync(e => Kind(e) == "subscribed", "Bob is on news");

        var triggered = await TriggerAsync(_a,
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "Zoë's \"news\"" } },
            new { op = "trigger", channels = new[] { "private-orders.7" }, @event = "OrderShipped", data = new { id = 5 } },
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "not for Ada" }, @params = new { socket_id = await ada.SocketIdAsync() } },
            new { op = "triggerBatch", batch = new object[] { new { channel = "news", name = "NewsPosted", data = JsonSerializer.Serialize(new { title = "batched" }) } } },
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "marker" } });
        Assert.All(triggered, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));

        foreach (var page in new[] { ada, bob })
            await page.WaitForAsync(e => Event("news", ".NewsPosted")(e) && e.GetProperty("data").GetProperty("title").GetString() == "marker", "the marker arrives");
        await ours.WaitForAsync("pusher_event", e => e.GetProperty("data").GetString()!.Contains("marker", StringComparison.Ordinal));
        Assert.Equal(["Zoë's \"news\"", "batched", "marker"], Titles(await ada.AllAsync(Event("news", ".NewsPosted"))).Order());
        Assert.Equal(["Zoë's \"news\"", "batched", "marker", "not for Ada"], Titles(await bob.AllAsync(Event("news", ".NewsPosted"))).Order());
        Assert.Equal(5, (await ada.WaitForAsync(Event("private-orders.7", ".OrderShipped"), "the order event")).GetProperty("data").GetProperty("id").GetInt32());
        Assert.Empty(await bob.AllAsync(Event("private-orders.7", ".OrderShipped")));
        var wsEvents = ours.OfType("pusher_event").ToArray();
        Assert.Equal(4, wsEvents.Length);
        Assert.All(wsEvents, e => Assert.Equal("pusher:1001:news", e.GetProperty("channel").GetString()));
    }

    [Fact(Timeout = 120_000)]
    public async Task An_alert_sent_through_ws_on_the_pusher_channel_reaches_echo_on_both_instances_as_alert()
    {
        await using var ada = await OpenAsync(_a, "7", "Ada");
        await using var bob = await OpenAsync(_b, "8", "Bob");
        await ada.RunAsync("harness.listen('public', 'news', '.alert')");
        await bob.RunAsync("harness.listen('public', 'news', '.alert')");
        await ada.WaitForAsync(e => Kind(e) == "subscribed", "Ada is on news");
        await bob.WaitForAsync(e => Kind(e) == "subscribed", "Bob is on news");
        await using var ours = await OurSocketAsync(_a);
        await ours.SendJsonAsync("""{"type":"subscribe","channel":"pusher:1001:news"}""");
        await ours.WaitForAsync("subscribed");

        await ours.SendJsonAsync("""{"type":"alert","channel":"pusher:1001:news","text":"from our door"}""");

        foreach (var page in new[] { ada, bob })
        {
            var alert = await page.WaitForAsync(Event("news", ".alert"), "the alert arrives as an event");
            Assert.Equal("from our door", alert.GetProperty("data").GetProperty("text").GetString());
        }
        await ours.WaitForAlertAsync("from our door");
        Assert.Single(await ada.AllAsync(Event("news", ".alert")));
        Assert.Single(await bob.AllAsync(Event("news", ".alert")));
    }

    [Fact(Timeout = 120_000)]
    public async Task Presence_members_join_and_leave_across_instances_whispers_cross_and_the_api_answers_for_the_fleet()
    {
        await using var ada = await OpenAsync(_a, "7", "Ada");
        await ada.RunAsync("harness.join('room')");
        var adaHere = await ada.WaitForAsync(e => Kind(e) == "here", "Ada's here()");
        Assert.Equal(["Ada"], adaHere.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()));

        var bob = await OpenAsync(_b, "8", "Bob");
        await bob.RunAsync("harness.join('room')");
        var bobHere = await bob.WaitForAsync(e => Kind(e) == "here", "Bob's here()");
        Assert.Equal(["Ada", "Bob"], bobHere.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order());
        Assert.Equal("Bob", (await ada.WaitForAsync(e => Kind(e) == "joining", "Ada hears Bob join")).GetProperty("member").GetProperty("name").GetString());

        await bob.RunAsync("harness.whisper('presence', 'room', 'typing', { who: 'Bob' })");
        Assert.Equal("Bob", (await ada.WaitForAsync(e => Kind(e) == "whisper", "Ada hears Bob typing")).GetProperty("data").GetProperty("who").GetString());
        await ada.RunAsync("harness.whisper('presence', 'room', 'typing', { who: 'Ada' })");
        await bob.WaitForAsync(e => Kind(e) == "whisper", "Bob hears Ada typing");
        Assert.Equal(["Ada"], (await bob.AllAsync(e => Kind(e) == "whisper")).Select(e => e.GetProperty("data").GetProperty("who").GetString()));

        // Asked of either instance, the answer is the fleet's: the census rides on the heartbeats.
        foreach (var instance in new[] { _a, _b })
        {
            var users = await TriggerAsync(instance, new { op = "get", path = "/channels/presence-room/users" });
            Assert.Equal("""{"users":[{"id":"7"},{"id":"8"}]}""", users[0].GetProperty("body").GetRawText());
            await Eventually.TrueAsync(async () =>
            {
                var info = await TriggerAsync(instance, new { op = "get", path = "/channels/presence-room", @params = new { info = "user_count,subscription_count" } });
                return info[0].GetProperty("body").GetRawText() == """{"occupied":true,"user_count":2,"subscription_count":2}""";
            }, "the channel's counts cover both instances", TimeSpan.FromSeconds(20));
        }
        var listing = await TriggerAsync(_a, new { op = "get", path = "/channels", @params = new { filter_by_prefix = "presence-", info = "user_count" } });
        Assert.Equal("""{"channels":{"presence-room":{"user_count":2}}}""", listing[0].GetProperty("body").GetRawText());

        await bob.DisposeAsync();
        Assert.Equal("Bob", (await ada.WaitForAsync(e => Kind(e) == "leaving", "Ada hears Bob leave")).GetProperty("member").GetProperty("name").GetString());
        Assert.Single(await ada.AllAsync(e => Kind(e) == "joining"));
        var after = await TriggerAsync(_a, new { op = "get", path = "/channels/presence-room/users" });
        Assert.Equal("""{"users":[{"id":"7"}]}""", after[0].GetProperty("body").GetRawText());
    }

    [Fact(Timeout = 120_000)]
    public async Task A_private_channel_signed_for_another_socket_is_refused_and_echo_hears_401()
    {
        await using var eve = await OpenAsync(_b, "wrong-socket", "Eve");

        await eve.RunAsync("harness.listen('private', 'orders.7', '.OrderShipped')");

        var error = await eve.WaitForAsync(e => Kind(e) == "subscription_error", "Echo's error() callback");
        Assert.Equal("AuthError", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(401, error.GetProperty("error").GetProperty("status").GetInt32());
        Assert.Empty(await eve.AllAsync(e => Kind(e) == "subscribed"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_wrong_app_key_is_refused_with_4001_and_pusher_js_does_not_retry()
    {
        var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_pages.PageUri(_a.BaseUri, "not-a-key", "7", "Ada").ToString());

        await Eventually.TrueAsync(async () =>
            await page.EvaluateAsync<string>("JSON.stringify(window.harness.log)") is { } log && log.Contains("4001", StringComparison.Ordinal) && log.Contains("\"disconnected\"", StringComparison.Ordinal),
            "pusher-js reports 4001 and disconnects");
        await context.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in new[] { _a, _b })
        {
            if (instance is not null)
                await instance.DisposeAsync();
        }
        if (_pages is not null)
            await _pages.DisposeAsync();
        if (_signer is not null)
            await _signer.DisposeAsync();
    }
}
