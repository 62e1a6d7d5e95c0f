using System.Net.WebSockets;
using Notifications.Tests.Infrastructure;
using Notifications.Tests.Pusher.Harness;

namespace Notifications.Tests.Pusher;

/// <summary>
/// What the real server's Pusher door refuses, and with which of Pusher's codes: the Node SDK signing wrongly
/// (secret, key, clock, app), sockets with a wrong key or protocol, private and presence subscriptions without
/// or with bad auth, and client events where Pusher allows none. Nothing refused is delivered, and the socket
/// stays usable after a refusal that does not close it.
/// </summary>
public sealed class PusherRefusalTests(PubSubEmulator emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _topic = TestInstance.NewTopic();
    private TestInstance _server = null!;

    public async ValueTask InitializeAsync()
    {
        await PusherClients.RequireAsync();
        _server = await TestInstance.StartAsync(PusherServerTests.Settings(emulator, _topic, "ams"), output);
        await _server.WaitReadyAsync();
    }

    private object Request(object[] calls, string appId = "1001", string key = "app-key", string secret = "app-secret", int clockOffsetSeconds = 0) =>
        new { host = "127.0.0.1", port = _server.BaseUri.Port, appId, key, secret, clockOffsetSeconds, calls };

    [Theory(Timeout = 60_000)]
    [InlineData("wrong secret", "1001", "app-key", "not-the-secret", 0, 401, "Invalid signature")]
    [InlineData("another app's key", "1001", "other-key", "app-secret", 0, 401, "auth_key is not this app's key")]
    [InlineData("a clock 11 minutes slow", "1001", "app-key", "app-secret", -660, 401, "Timestamp expired")]
    [InlineData("a clock 11 minutes fast", "1001", "app-key", "app-secret", 660, 401, "Timestamp expired")]
    [InlineData("an unknown app", "3003", "app-key", "app-secret", 0, 404, "No app has the id")]
    public async Task A_request_the_sdk_signs_wrongly_is_refused_with_pushers_status_and_nothing_is_delivered(
        string what, string appId, string key, string secret, int clockOffset, int status, string message)
    {
        await using var listener = await PusherSocket.ConnectAsync(_server.BaseUri, "app-key");
        await listener.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "orders" } });
        await listener.WaitForAsync("pusher_internal:subscription_succeeded");

        var refused = (await PusherClients.ApiAsync(Request([new { op = "trigger", channels = new[] { "orders" }, @event = "e", data = "refused" }], appId, key, secret, clockOffset)))[0];
        var accepted = (await PusherClients.ApiAsync(Request([new { op = "trigger", channels = new[] { "orders" }, @event = "e", data = "accepted" }])))[0];

        Assert.False(refused.GetProperty("ok").GetBoolean(), what);
        Assert.Equal(status, refused.GetProperty("status").GetInt32());
        Assert.Contains(message, refused.GetProperty("body").ToString(), StringComparison.Ordinal);
        Assert.True(accepted.GetProperty("ok").GetBoolean(), accepted.ToString());
        await listener.WaitForAsync("e", e => e.GetProperty("data").GetString() == "accepted");
        Assert.Equal(["accepted"], listener.Events("e").Select(e => e.GetProperty("data").GetString()));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_body_that_does_not_match_its_md5_is_refused()
    {
        // The SDK always signs honestly; a body changed on the way is what body_md5 is for.
        var query = $"auth_key=app-key&auth_timestamp={DateTimeOffset.UtcNow.ToUnixTimeSeconds()}&auth_version=1.0&body_md5=00000000000000000000000000000000";
        var secret = new Notifications.Pusher.Apps.AppSecret("app-secret");
        string signature = secret.Sign($"POST\n/apps/1001/events\n{query}");
        using var http = new HttpClient { BaseAddress = _server.BaseUri };

        var response = await http.PostAsync($"/apps/1001/events?{query}&auth_signature={signature}",
            new StringContent("""{"name":"e","channel":"orders","data":"x"}""", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Contains("body_md5", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("not-a-key", "protocol=7", 4001)]
    [InlineData("app-key", "client=js", 4008)]
    [InlineData("app-key", "protocol=4", 4007)]
    public async Task A_connect_pusher_refuses_gets_its_error_frame_and_close_code(string key, string query, int code)
    {
        await using var socket = await PusherSocket.ConnectAsync(_server.BaseUri, key, query);

        var error = await socket.WaitForAsync("pusher:error");

        Assert.Equal(code, error.GetProperty("data").GetProperty("code").GetInt32());
        Assert.Equal((WebSocketCloseStatus)code, await socket.WaitForCloseAsync());
        Assert.Empty(socket.Events("pusher:connection_established"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Private_and_presence_subscriptions_without_good_auth_are_refused_with_4009_and_the_socket_carries_on()
    {
        await using var socket = await PusherSocket.ConnectAsync(_server.BaseUri, "app-key");
        string socketId = await socket.SocketIdAsync();
        var secret = new Notifications.Pusher.Apps.AppSecret("app-secret");

        await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-orders.7" } });
        await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-orders.8", auth = "app-key:" + secret.Sign($"1.1:private-orders.8") } });
        await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "presence-room", auth = "app-key:" + secret.Sign($"{socketId}:presence-room") } });
        await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-orders.9", auth = "app-key:" + secret.Sign($"{socketId}:private-orders.9") } });

        await socket.WaitForAsync("pusher_internal:subscription_succeeded", e => e.GetProperty("channel").GetString() == "private-orders.9");
        var refused = socket.Events("pusher:error").ToArray();
        Assert.Equal(["private-orders.7", "private-orders.8", "presence-room"], refused.Select(e => e.GetProperty("channel").GetString()));
        Assert.All(refused, e => Assert.Equal(4009, e.GetProperty("data").GetProperty("code").GetInt32()));
        Assert.Equal(["private-orders.9"], socket.Events("pusher_internal:subscription_succeeded").Select(e => e.GetProperty("channel").GetString()));

        var result = (await PusherClients.ApiAsync(Request([new { op = "trigger", channels = new[] { "private-orders.7", "private-orders.9" }, @event = "e", data = "x" }])))[0];
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        await socket.WaitForAsync("e");
        Assert.Equal(["private-orders.9"], socket.Events("e").Select(e => e.GetProperty("channel").GetString()));
    }

    [Fact(Timeout = 60_000)]
    public async Task Client_events_on_a_public_channel_are_refused_and_on_a_private_one_reach_the_others_only()
    {
        await using var sender = await PusherSocket.ConnectAsync(_server.BaseUri, "app-key");
        await using var other = await PusherSocket.ConnectAsync(_server.BaseUri, "app-key");
        var secret = new Notifications.Pusher.Apps.AppSecret("app-secret");
        foreach (var socket in new[] { sender, other })
        {
            string id = await socket.SocketIdAsync();
            await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "news" } });
            await socket.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-chat", auth = "app-key:" + secret.Sign($"{id}:private-chat") } });
            await socket.WaitForAsync("pusher_internal:subscription_succeeded", e => e.GetProperty("channel").GetString() == "private-chat");
        }

        await sender.SendAsync(new { @event = "client-typing", channel = "news", data = new { n = 1 } });
        await sender.SendAsync(new { @event = "client-typing", channel = "private-chat", data = new { n = 2 } });

        var error = await sender.WaitForAsync("pusher:error");
        Assert.Equal(4302, error.GetProperty("data").GetProperty("code").GetInt32());
        var typed = await other.WaitForAsync("client-typing");
        Assert.Equal(2, typed.GetProperty("data").GetProperty("n").GetInt32());
        await sender.SendAsync(new { @event = "pusher:ping", data = new { } });
        await sender.WaitForAsync("pusher:pong");
        Assert.Empty(sender.Events("client-typing"));
        Assert.Single(other.Events("client-typing"));

        // Nearly twice the app's 10 KB limit: refused with 4302, and the socket stays (no reconnect, no presence churn).
        await sender.SendAsync(new { @event = "client-typing", channel = "private-chat", data = new { text = new string('x', 18_000) } });
        await Eventually.TrueAsync(() => sender.Events("pusher:error").Count() == 2, "the second refusal");
        Assert.Equal(4302, sender.Events("pusher:error").Last().GetProperty("data").GetProperty("code").GetInt32());
        await sender.SendAsync(new { @event = "pusher:ping", data = new { } });
        await Eventually.TrueAsync(() => sender.Events("pusher:pong").Count() == 2, "a pong after it");
        Assert.Single(other.Events("client-typing"));
    }

    [Fact(Timeout = 60_000)]
    public async Task On_shutdown_pusher_clients_are_told_4200_so_they_reconnect_at_once_elsewhere()
    {
        await using var socket = await PusherSocket.ConnectAsync(_server.BaseUri, "app-key");
        await socket.SocketIdAsync();

        await _server.StopAsync();

        Assert.Equal((WebSocketCloseStatus)4200, await socket.WaitForCloseAsync());
        Assert.Equal(4200, socket.Events("pusher:error").Single().GetProperty("data").GetProperty("code").GetInt32());
        Assert.DoesNotContain(socket.Received, e => e.TryGetProperty("type", out _));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
