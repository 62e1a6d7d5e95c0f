using System.Text.Json;
using Notifications.Configuration;
using Notifications.Pusher.Apps;
using Notifications.Tests.Browser;
using Notifications.Tests.Pusher.Harness;
using static Notifications.Tests.Pusher.Harness.EchoPage;

namespace Notifications.Tests.Pusher;

/// <summary>
/// Laravel Echo 2 on pusher-js 8 in Chromium against the phase-1 units, on two linked test hosts (two
/// "instances" joined by an in-memory bus): public, private and presence channels, whispers, and the
/// Node SDK publishing. Proves our frames are what the real clients expect; phase 2 repeats this on the
/// real server and the Pub/Sub emulator.
/// </summary>
public sealed class EchoBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private readonly PusherApps _apps = PusherApps.From(new PusherOptions { Apps = "1001:app-key:app-secret" });
    private readonly TestHub _hubA = new("a");
    private readonly TestHub _hubB = new("b");
    private Signer _signer = null!;
    private PusherTestHost _a = null!;
    private PusherTestHost _b = null!;

    public async ValueTask InitializeAsync()
    {
        chromium.Require();
        await PusherClients.RequireAsync();
        TestHub.Link(_hubA, _hubB);
        _signer = new Signer("1001", "app-key", "app-secret");
        _a = await PusherTestHost.StartAsync(_apps, _hubA, _signer);
        _b = await PusherTestHost.StartAsync(_apps, _hubB, _signer);
    }

    private Task<EchoPage> OpenAsync(PusherTestHost host, string user, string name, string key = "app-key") =>
        EchoPage.OpenAsync(chromium, host.PageUri(key, user, name), name, output);

    private Task<JsonElement[]> TriggerAsync(PusherTestHost host, params object[] calls) =>
        PusherClients.ApiAsync(new { host = "127.0.0.1", port = host.BaseUri.Port, appId = "1001", key = "app-key", secret = "app-secret", calls });

    private static Func<JsonElement, bool> Event(string channel, string name) =>
        e => Kind(e) == "event" && e.GetProperty("channel").GetString() == channel && e.GetProperty("event").GetString() == name;

    [Fact(Timeout = 120_000)]
    public async Task Public_and_private_events_from_the_sdk_reach_echo_once_on_both_instances_and_socket_id_excludes()
    {
        await using var ada = await OpenAsync(_a, "7", "Ada");
        await using var bob = await OpenAsync(_b, "8", "Bob");
        await ada.RunAsync("harness.listen('public', 'news', '.NewsPosted'); harness.listen('private', 'orders.7', '.OrderShipped')");
        await bob.RunAsync("harness.listen('public', 'news', '.NewsPosted')");
        await ada.WaitForAsync(e => Kind(e) == "subscribed" && e.GetProperty("channel").GetString() == "private-orders.7", "Ada is on private-orders.7");
        await bob.WaitForAsync(e => Kind(e) == "subscribed", "Bob is on news");

        var triggered = await TriggerAsync(_a,
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "Zoë's \"news\"" } },
            new { op = "trigger", channels = new[] { "private-orders.7" }, @event = "OrderShipped", data = new { id = 5 } },
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "not for Ada" }, @params = new { socket_id = await ada.SocketIdAsync() } },
            new { op = "trigger", channels = new[] { "news" }, @event = "NewsPosted", data = new { title = "marker" } });
        Assert.All(triggered, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));

        foreach (var page in new[] { ada, bob })
            await page.WaitForAsync(e => Event("news", ".NewsPosted")(e) && e.GetProperty("data").GetProperty("title").GetString() == "marker", "the marker arrives");
        var adaNews = await ada.AllAsync(Event("news", ".NewsPosted"));
        var bobNews = await bob.AllAsync(Event("news", ".NewsPosted"));
        Assert.Equal(["Zoë's \"news\"", "marker"], adaNews.Select(e => e.GetProperty("data").GetProperty("title").GetString()));
        Assert.Equal(["Zoë's \"news\"", "not for Ada", "marker"], bobNews.Select(e => e.GetProperty("data").GetProperty("title").GetString()));
        Assert.Equal(5, (await ada.WaitForAsync(Event("private-orders.7", ".OrderShipped"), "the order event")).GetProperty("data").GetProperty("id").GetInt32());
    }

    [Fact(Timeout = 120_000)]
    public async Task Presence_members_join_and_leave_across_instances_and_whispers_reach_the_others()
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
        // Bob's own whisper would have come back before Ada's answer to it; the sender never gets its client event.
        Assert.Equal(["Ada"], (await bob.AllAsync(e => Kind(e) == "whisper")).Select(e => e.GetProperty("data").GetProperty("who").GetString()));

        var users = await TriggerAsync(_b, new { op = "get", path = "/channels/presence-room/users" });
        Assert.Equal("""{"users":[{"id":"7"},{"id":"8"}]}""", users[0].GetProperty("body").GetRawText());

        await bob.DisposeAsync();
        Assert.Equal("Bob", (await ada.WaitForAsync(e => Kind(e) == "leaving", "Ada hears Bob leave")).GetProperty("member").GetProperty("name").GetString());
        Assert.Single(await ada.AllAsync(e => Kind(e) == "joining"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_private_channel_signed_for_another_socket_is_refused_and_echo_hears_4009()
    {
        await using var eve = await OpenAsync(_a, "wrong-socket", "Eve");

        await eve.RunAsync("harness.listen('private', 'orders.7', '.OrderShipped')");

        var error = await eve.WaitForAsync(e => Kind(e) == "subscription_error", "Echo's error() callback");
        Assert.Equal("AuthError", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(4009, error.GetProperty("error").GetProperty("status").GetInt32());
        Assert.Empty(await eve.AllAsync(e => Kind(e) == "subscribed"));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_wrong_app_key_is_refused_with_4001_and_pusher_js_does_not_retry()
    {
        var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_a.PageUri("not-a-key", "7", "Ada").ToString());

        await Infrastructure.Eventually.TrueAsync(async () =>
            await page.EvaluateAsync<string>("JSON.stringify(window.harness.log)") is { } log && log.Contains("4001", StringComparison.Ordinal) && log.Contains("\"disconnected\"", StringComparison.Ordinal),
            "pusher-js reports 4001 and disconnects");
        await context.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { _a, _b })
        {
            if (host is not null)
                await host.DisposeAsync();
        }
        if (_signer is not null)
            await _signer.DisposeAsync();
        await _hubA.DisposeAsync();
        await _hubB.DisposeAsync();
    }
}
