using Notifications.Configuration;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Presence;
using Notifications.Tests.Pusher.Harness;
using Notifications.Tests.Units.Pusher;

namespace Notifications.Tests.Pusher;

/// <summary>
/// The real Node <c>pusher</c> SDK (5.x, what Laravel's PHP SDK mirrors) signing real HTTP requests to the
/// phase-1 HTTP API units behind a tiny Kestrel host: what it signs verifies, what a wrong secret, key,
/// clock or app signs is refused with Pusher's statuses, and the bodies read back as the events it sent.
/// </summary>
public sealed class PusherSdkTests : IAsyncLifetime
{
    private readonly PusherApps _apps = PusherApps.From(new PusherOptions { Apps = "1001:app-key:app-secret,2002:other-key:other-secret", MaxEventBytes = 1024 });
    private readonly TestHub _hub = new("sdk-test");
    private PusherTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await PusherClients.RequireAsync();
        _host = await PusherTestHost.StartAsync(_apps, _hub);
    }

    private object Request(object[] calls, string appId = "1001", string key = "app-key", string secret = "app-secret", int clockOffsetSeconds = 0) =>
        new { host = "127.0.0.1", port = _host.BaseUri.Port, appId, key, secret, clockOffsetSeconds, calls };

    [Fact(Timeout = 60_000)]
    public async Task Single_and_batch_triggers_from_the_sdk_verify_and_read_back_as_sent()
    {
        var results = await PusherClients.ApiAsync(Request(
        [
            new { op = "trigger", channels = new[] { "orders", "private-orders.5" }, @event = "App\\Events\\OrderShipped", data = new { id = 5, name = "Zoë \"quoted\"" }, @params = new { socket_id = "123.456" } },
            new { op = "triggerBatch", batch = new object[] { new { channel = "news", name = "a", data = "plain text" }, new { channel = "presence-room", name = "b", data = new { n = 1 } } } },
        ]));

        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.All(_host.Verdicts, v => Assert.True(v.Accepted, v.Message));
        var events = _host.Published.ToArray();
        Assert.Equal(["App\\Events\\OrderShipped", "a", "b"], events.Select(e => e.Event));
        Assert.Equal(["orders", "private-orders.5"], events[0].Channels);
        Assert.Equal("123.456", events[0].ExceptSocketId);
        Assert.Equal("""{"id":5,"name":"Zoë \"quoted\""}""", events[0].Data!.Value.GetString());
        Assert.Equal("plain text", events[1].Data!.Value.GetString());
        Assert.Equal(["presence-room"], events[2].Channels);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_sdks_channel_queries_verify_and_answer_from_the_hub()
    {
        _hub.Roster.Join("pusher:1001:presence-room", "1.1", new PresenceMember("7", null));
        _hub.Roster.Join("pusher:1001:presence-room", "1.2", new PresenceMember("8", null));

        var results = await PusherClients.ApiAsync(Request(
        [
            new { op = "get", path = "/channels", @params = new { filter_by_prefix = "presence-", info = "user_count" } },
            new { op = "get", path = "/channels/presence-room", @params = new { info = "user_count" } },
            new { op = "get", path = "/channels/presence-room/users" },
            new { op = "get", path = "/channels/news", @params = new { info = "user_count" } },
        ]));

        Assert.True(results[0].GetProperty("ok").GetBoolean(), results[0].ToString());
        Assert.Equal("""{"occupied":false,"user_count":2}""", results[1].GetProperty("body").GetRawText());
        Assert.Equal("""{"users":[{"id":"7"},{"id":"8"}]}""", results[2].GetProperty("body").GetRawText());
        Assert.Equal(400, results[3].GetProperty("status").GetInt32());
        Assert.All(_host.Verdicts, v => Assert.True(v.Accepted, v.Message));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("wrong secret", "1001", "app-key", "not-the-secret", 0, 401, "BadSignature")]
    [InlineData("another app's key", "1001", "other-key", "app-secret", 0, 401, "WrongKey")]
    [InlineData("a clock 11 minutes slow", "1001", "app-key", "app-secret", -660, 401, "ExpiredTimestamp")]
    [InlineData("a clock 11 minutes fast", "1001", "app-key", "app-secret", 660, 401, "ExpiredTimestamp")]
    [InlineData("an unknown app", "3003", "app-key", "app-secret", 0, 404, "UnknownApp")]
    public async Task A_request_the_sdk_signs_wrongly_is_refused_with_pushers_status(string what, string appId, string key, string secret, int clockOffset, int status, string refusal)
    {
        var result = (await PusherClients.ApiAsync(Request(
            [new { op = "trigger", channels = new[] { "orders" }, @event = "e", data = "x" }], appId, key, secret, clockOffset)))[0];

        Assert.False(result.GetProperty("ok").GetBoolean(), what);
        Assert.Equal(status, result.GetProperty("status").GetInt32());
        Assert.Equal(refusal, Assert.Single(_host.Verdicts).Refusal.ToString());
        Assert.Empty(_host.Published);
    }

    [Fact(Timeout = 60_000)]
    public async Task Data_over_the_apps_limit_is_refused_with_413_after_the_signature_verifies()
    {
        var result = (await PusherClients.ApiAsync(Request(
            [new { op = "trigger", channels = new[] { "orders" }, @event = "e", data = new string('x', 2000) }])))[0];

        Assert.Equal(413, result.GetProperty("status").GetInt32());
        Assert.True(Assert.Single(_host.Verdicts).Accepted);
        Assert.Empty(_host.Published);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
        await _hub.DisposeAsync();
    }
}
