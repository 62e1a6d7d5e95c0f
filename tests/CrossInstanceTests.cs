using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>Several instances, each with its own subscription on one topic, on the real emulator.</summary>
public sealed class CrossInstanceTests(PubSubEmulator emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Regions = ["ams", "syd", "lax"];
    private readonly string _topic = TestInstance.NewTopic();
    private readonly EmulatorAdmin _admin = new(emulator);
    private TestInstance[] _instances = [];

    public async ValueTask InitializeAsync()
    {
        // All three at the same moment: both the topic race and the subscription setup must hold.
        _instances = await Task.WhenAll(Regions.Select(region =>
            TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, _topic, region), output)));
        foreach (var instance in _instances)
            await instance.WaitReadyAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task An_alert_sent_on_one_instance_reaches_clients_on_all_three_with_server_stamped_fields()
    {
        var sockets = await Task.WhenAll(_instances.Select(i => TestSocket.ConnectAsync(i.SocketUri)));
        var sender = sockets[0];

        await sender.SendAlertAsync("Alien landing!");

        var received = await Task.WhenAll(sockets.Select(s => s.WaitForAlertAsync("Alien landing!")));
        string id = received[0].GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(id, out _), $"id {id} is not a UUID");
        foreach (var alert in received)
        {
            Assert.Equal(id, alert.GetProperty("id").GetString());
            Assert.Equal("ams", alert.GetProperty("region").GetString());
            Assert.Equal(_instances[0].InstanceId, alert.GetProperty("instance").GetString());
            var sentAt = alert.GetProperty("sentAt").GetDateTimeOffset();
            Assert.Equal(TimeSpan.Zero, sentAt.Offset);
            Assert.InRange(sentAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        }
        await DisposeAllAsync(sockets);
    }

    [Fact(Timeout = 60_000)]
    public async Task Welcome_names_the_instance_and_region_the_client_landed_on()
    {
        await using var socket = await TestSocket.ConnectAsync(_instances[1].SocketUri);
        var welcome = socket.OfType("welcome").Single();

        Assert.Equal(_instances[1].InstanceId, welcome.GetProperty("instance").GetString());
        Assert.Equal("syd", welcome.GetProperty("region").GetString());
        Assert.Equal(280, welcome.GetProperty("maxTextLength").GetInt32());
        Assert.InRange(welcome.GetProperty("serverTime").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact(Timeout = 60_000)]
    public async Task Each_instance_has_its_own_subscription_on_the_topic_under_its_expected_name()
    {
        var subscriptions = await _admin.SubscriptionsOnAsync(_topic);

        Assert.Equal(_instances.Length, subscriptions.Count);
        Assert.All(_instances, i => Assert.Single(subscriptions, s => EmulatorAdmin.IsSubscriptionOf(s, i.InstanceId)));
        var subscription = await _admin.GetSubscriptionAsync(_instances[0].InstanceId);
        Assert.Equal(EmulatorAdmin.TopicPath(_topic), subscription!.Topic);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_graceful_stop_deletes_that_instance_subscription_and_the_others_carry_on()
    {
        var stopping = _instances[2];
        await using var survivor = await TestSocket.ConnectAsync(_instances[0].SocketUri);
        await using var leaving = await TestSocket.ConnectAsync(stopping.SocketUri);

        await stopping.StopAsync();

        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1012, await leaving.WaitForCloseAsync());
        Assert.Null(await _admin.GetSubscriptionAsync(stopping.InstanceId));
        Assert.Equal(2, (await _admin.SubscriptionsOnAsync(_topic)).Count);
        await using var sender = await TestSocket.ConnectAsync(_instances[1].SocketUri);
        await sender.SendAlertAsync("still here");
        await survivor.WaitForAlertAsync("still here");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_foreign_publisher_alert_reaches_clients_and_garbage_on_the_topic_does_not_stop_the_stream()
    {
        var sockets = await Task.WhenAll(_instances.Select(i => TestSocket.ConnectAsync(i.SocketUri)));

        string garbageId = await _admin.PublishAsync(_topic, [0xff, 0x00, 0x7b]);
        await _admin.PublishAsync(_topic, """{"type":"alert","text":42}"""u8.ToArray());
        await _admin.PublishAsync(_topic, [], new Dictionary<string, string> { ["only"] = "attributes" });
        string oversizedId = await _admin.PublishAsync(_topic, System.Text.Encoding.UTF8.GetBytes($$"""{"text":"{{new string('x', 70_000)}}"}"""));
        await _admin.PublishAsync(_topic, System.Text.Encoding.UTF8.GetBytes($$"""{"text":"{{new string('y', 281)}}"}"""));
        string foreignId = await _admin.PublishAsync(_topic, """{"text":"Deploy finished"}"""u8.ToArray());

        foreach (var socket in sockets)
        {
            var alert = await socket.WaitForAlertAsync("Deploy finished");
            Assert.Equal(foreignId, alert.GetProperty("id").GetString());
            Assert.Equal("external", alert.GetProperty("region").GetString());
            Assert.Equal("external", alert.GetProperty("instance").GetString());
        }
        Assert.All(sockets, s => Assert.Single(s.OfType("alert")));
        await Eventually.TrueAsync(() => _instances.All(i => i.LoggedDroppedMessage(garbageId) && i.LoggedDroppedMessage(oversizedId)),
            "every instance logged the garbage and the oversized message by id");

        await sockets[2].SendAlertAsync("after the garbage");
        await Task.WhenAll(sockets.Select(s => s.WaitForAlertAsync("after the garbage")));
        await DisposeAllAsync(sockets);
    }

    [Fact(Timeout = 60_000)]
    public async Task Health_is_ready_with_the_subscription_name()
    {
        using var http = new HttpClient { BaseAddress = _instances[0].BaseUri };
        using var response = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("pubsub-emulator", body.GetProperty("bus").GetString());
        var subscription = await _admin.GetSubscriptionAsync(_instances[0].InstanceId);
        Assert.Equal(subscription!.Name, body.GetProperty("subscription").GetString());
    }

    private static async Task DisposeAllAsync(IEnumerable<TestSocket> sockets)
    {
        foreach (var socket in sockets)
            await socket.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
            await instance.DisposeAsync();
        _admin.Dispose();
    }
}
