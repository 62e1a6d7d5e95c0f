using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Connections;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Transport;
using Notifications.WebSockets;
using Notifications.Tests.Channels;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>With no Pub/Sub settings at all, one instance still fans alerts out to its own clients.</summary>
public sealed class StandaloneTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestInstance _instance = null!;

    public async ValueTask InitializeAsync() =>
        _instance = await TestInstance.StartAsync(TestInstance.StandaloneSettings("fra"), output);

    [Fact(Timeout = 30_000)]
    public async Task Alerts_reach_every_local_client_without_any_PubSub()
    {
        await using var first = await TestSocket.ConnectAsync(_instance.SocketUri);
        await using var second = await TestSocket.ConnectAsync(_instance.SocketUri);

        await first.SendAlertAsync("local only");

        var alerts = await Task.WhenAll(first.WaitForAlertAsync("local only"), second.WaitForAlertAsync("local only"));
        Assert.Equal(alerts[0].GetProperty("id").GetString(), alerts[1].GetProperty("id").GetString());
        Assert.Equal("fra", alerts[1].GetProperty("region").GetString());
        Assert.Equal(_instance.InstanceId, alerts[1].GetProperty("instance").GetString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_broadcast_to_hundreds_of_sockets_reaches_each_once_and_all_in_the_same_order(bool sendRing)
    {
        // Enough sockets that a broadcast starts the idle send pumps in several parts (PumpStarter), sent by io_uring or one by one.
        const int Senders = 10, AlertsPerSender = 3;
        await using var crowd = await Crowd.StartAsync(300, output, s => s["WS_SEND_RING"] = sendRing ? "true" : "false");
        var rings = crowd.Instance.Services.GetRequiredService<SendRings>();
        if (sendRing && !rings.IsEnabled)
            Assert.Skip("io_uring is not given here (an old kernel, or a sandbox that forbids it); the server sends one by one");
        Assert.Equal(sendRing, rings.IsEnabled);
        var sockets = crowd.Sockets;
        static string Text(int sender, int k) => $"from {sender}, number {k}";

        await Task.WhenAll(Enumerable.Range(0, Senders).Select(async sender =>
        {
            for (int k = 0; k < AlertsPerSender; k++)
                await sockets[sender].SendAlertAsync(Text(sender, k));
        }));
        foreach (var socket in sockets)
            foreach (int sender in Enumerable.Range(0, Senders))
                await socket.WaitForAlertAsync(Text(sender, AlertsPerSender - 1));

        var first = Texts(sockets[0]);
        Assert.Equal(sendRing, rings.SentTogether > 0);
        Assert.Equal(Senders * AlertsPerSender, first.Distinct().Count());
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.All(sockets, socket => Assert.Equal(first, Texts(socket)));
    }

    [Fact(Timeout = 60_000)]
    public async Task After_the_kernel_refuses_a_ring_broadcasts_go_one_send_at_a_time_and_lose_nothing()
    {
        await using var crowd = await Crowd.StartAsync(300, output, s => s["WS_SEND_RING"] = "true");
        var rings = crowd.Instance.Services.GetRequiredService<SendRings>();
        if (!rings.IsEnabled)
            Assert.Skip("io_uring is not given here (an old kernel, or a sandbox that forbids it); the server sends one by one");
        // Every ring a broadcast's parts can be lent (at most two per core) is one the kernel will refuse.
        var lent = new List<SendRing>();
        while (rings.Rent() is { } ring)
            lent.Add(ring);
        foreach (var ring in lent)
        {
            RingRefusal.Refuse(ring);
            rings.Return(ring);
        }
        var sockets = crowd.Sockets;

        await sockets[0].SendAlertAsync("through a refused ring");
        foreach (var socket in sockets)
            await socket.WaitForAlertAsync("through a refused ring");
        await sockets[1].SendAlertAsync("one by one");
        foreach (var socket in sockets)
            await socket.WaitForAlertAsync("one by one");

        Assert.False(rings.IsEnabled);
        Assert.Single(crowd.Instance.Log.Events, e => e.MessageTemplate.Text.StartsWith("The kernel refused an io_uring submission", StringComparison.Ordinal));
        Assert.All(sockets, socket => Assert.Equal(["through a refused ring", "one by one"], Texts(socket)));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_burst_of_global_and_channel_alerts_reaches_each_socket_once_in_the_order_sent()
    {
        // The relay holds the global alerts the bus has at hand and delivers them as one broadcast; a channel
        // alert among them must still reach a member after the global ones sent before it.
        var settings = TestInstance.StandaloneSettings();
        settings["CHANNELS_CLIENT_PUBLISH"] = "global,public:*";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var sender = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var member = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var outsider = await TestSocket.ConnectAsync(instance.SocketUri);
        await sender.SubscribeAsync("public:lobby");
        await member.SubscribeAsync("public:lobby");
        const int Alerts = 300;
        static bool OnChannel(int k) => k % 3 == 2;
        static string Text(int k) => $"number {k}";

        for (int k = 0; k < Alerts; k++)
        {
            if (OnChannel(k))
                await sender.SendAlertAsync("public:lobby", Text(k));
            else
                await sender.SendAlertAsync(Text(k));
        }
        var all = Enumerable.Range(0, Alerts).Select(Text).ToList();
        var global = Enumerable.Range(0, Alerts).Where(k => !OnChannel(k)).Select(Text).ToList();
        await member.WaitForAlertAsync(Text(Alerts - 1));
        await sender.WaitForAlertAsync(Text(Alerts - 1));
        await outsider.WaitForAlertAsync(global[^1]);

        Assert.Equal(all, Texts(member));
        Assert.Equal(all, Texts(sender));
        Assert.Equal(global, Texts(outsider));
        Assert.Empty(sender.OfType("error"));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_burst_of_global_alerts_goes_out_in_fewer_broadcasts_than_alerts()
    {
        // The relay holds what the bus hands over at once and broadcasts it together: under a burst, fewer
        // broadcasts than alerts. A relay that broadcast per message (each socket's lock, pump and send paid per
        // alert) would still deliver everything, so only the count tells.
        var settings = TestInstance.StandaloneSettings();
        int metricsPort = PubSubEmulator.FreePort();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (metricsPort.ToString(), "127.0.0.1");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var sender = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var receiver = await TestSocket.ConnectAsync(instance.SocketUri);
        const int Alerts = 300;
        var texts = Enumerable.Range(0, Alerts).Select(k => $"burst {k}").ToList();

        foreach (string text in texts)
            await sender.SendAlertAsync(text);
        await receiver.WaitForAlertAsync(texts[^1]);

        Assert.Equal(texts, Texts(receiver));
        using var http = new HttpClient();
        var metricsUri = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        string scraped = "";
        await Eventually.TrueAsync(async () =>
        {
            scraped = await http.GetStringAsync(metricsUri, TestContext.Current.CancellationToken);
            return Exposition.Sum(scraped, "notifications_alerts_relayed") == Alerts;
        }, "every alert relayed");
        double broadcasts = Exposition.Sum(scraped, "notifications_fanout_global_broadcasts");
        output.WriteLine($"{Alerts} alerts went out in {broadcasts} broadcasts");
        Assert.InRange(broadcasts, 1, Alerts - 1);
    }

    [Fact(Timeout = 30_000)]
    public async Task Broadcasts_with_duplicates_among_them_send_and_keep_the_others_once_in_order()
    {
        // The relay hands over alerts for global several at a time, framed together; one delivered before (a
        // redelivery) must drop out of the joined frame and of the window, and the rest go out in their order.
        await using var socket = await TestSocket.ConnectAsync(_instance.SocketUri);
        var fanout = _instance.Services.GetRequiredService<AlertFanout>();
        var now = DateTimeOffset.UtcNow;
        AlertMessage Alert(string text, int ms) => new(AlertIds.New(now.AddMilliseconds(ms)), text, "fra", "elsewhere", now.AddMilliseconds(ms));
        AlertMessage first = Alert("first", 0), again = Alert("again", 1), last = Alert("last", 2), before = Alert("delivered before", -1);
        Assert.Equal(1, fanout.Deliver(before));
        AlertMessage[] held = [first, before, again, last];

        int sockets = fanout.DeliverGlobal(held, out int fresh);

        Assert.Equal(1, sockets);
        Assert.Equal(3, fresh);
        Assert.Equal([first, again, last], held[..3]);
        await socket.WaitForAlertAsync("last");
        await using var resumed = await TestSocket.ConnectAsync(_instance.ResumeUri(before.Id));
        await resumed.WaitForAlertAsync("last");
        Assert.Equal(["delivered before", "first", "again", "last"], Texts(socket));
        Assert.Equal(["first", "again", "last"], Texts(resumed));
        Assert.True(resumed.OfType("welcome").Single().GetProperty("resume").GetProperty("complete").GetBoolean());

        // Duplicates first and last, one twice in the broadcast, and a broadcast of duplicates only.
        AlertMessage late = Alert("late", 3), later = Alert("later", 4);
        AlertMessage[] mixed = [first, late, later, late, last];
        Assert.Equal(2, fanout.DeliverGlobal(mixed, out fresh));
        Assert.Equal(2, fresh);
        Assert.Equal([late, later], mixed[..2]);
        Assert.Equal(0, fanout.DeliverGlobal([first, late], out fresh));
        Assert.Equal(0, fresh);
        Assert.Equal(-1, fanout.Deliver(later));
        await socket.WaitForAlertAsync("later");
        // Anything the duplicates had sent would be queued before this one.
        Assert.Equal(2, fanout.Deliver(Alert("marker", 5)));
        await socket.WaitForAlertAsync("marker");
        Assert.Equal(["delivered before", "first", "again", "last", "late", "later", "marker"], Texts(socket));
    }

    [Fact(Timeout = 60_000)]
    public async Task Broadcasts_from_two_threads_at_once_reach_every_socket_once_each_in_each_threads_order()
    {
        // Alerts and presence updates are broadcast from different threads: every pump a broadcast
        // claims must start exactly once, however the two interleave.
        const int Sockets = 200, PerThread = 200;
        await using var crowd = await Crowd.StartAsync(Sockets, output);
        var registry = crowd.Instance.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => registry.Count == Sockets, "every socket is registered");
        static string Text(int thread, int k) => $"thread {thread}, number {k}";

        // Each round both threads broadcast at the same moment, after a pause in which the pumps went idle,
        // so both find every pump idle and claim and start them side by side.
        using var together = new Barrier(2);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(thread => Task.Factory.StartNew(() =>
        {
            for (int k = 0; k < PerThread; k++)
            {
                var frame = SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new { type = "alert", text = Text(thread, k) }));
                together.SignalAndWait();
                registry.Broadcast(frame);
                Thread.Sleep(2);
            }
        }, TaskCreationOptions.LongRunning)));
        foreach (var socket in crowd.Sockets)
        {
            await socket.WaitForAlertAsync(Text(0, PerThread - 1));
            await socket.WaitForAlertAsync(Text(1, PerThread - 1));
        }

        Assert.All(crowd.Sockets, socket =>
        {
            var texts = Texts(socket);
            Assert.Equal(2 * PerThread, texts.Count);
            foreach (int thread in new[] { 0, 1 })
                Assert.Equal(Enumerable.Range(0, PerThread).Select(k => Text(thread, k)), texts.Where(t => t.StartsWith($"thread {thread},")));
        });
    }

    private static List<string> Texts(TestSocket socket) =>
        socket.OfType("alert").Select(a => a.GetProperty("text").GetString()!).ToList();

    /// <summary>A standalone instance that lets this one address hold hundreds of sockets, and those sockets; disposes the sockets first.</summary>
    private sealed class Crowd(TestInstance instance) : IAsyncDisposable
    {
        private readonly List<TestSocket> _sockets = [];

        public TestInstance Instance => instance;
        public IReadOnlyList<TestSocket> Sockets => _sockets;

        public static async Task<Crowd> StartAsync(int count, ITestOutputHelper output, Action<Dictionary<string, string?>>? configure = null)
        {
            var settings = TestInstance.StandaloneSettings();
            settings["MAX_CONNECTIONS_PER_IP"] = "1000";
            configure?.Invoke(settings);
            var crowd = new Crowd(await TestInstance.StartAsync(settings, output));
            try
            {
                for (int i = 0; i < count; i++)
                    crowd._sockets.Add(await TestSocket.ConnectAsync(crowd.Instance.SocketUri));
            }
            catch
            {
                await crowd.DisposeAsync();
                throw;
            }
            return crowd;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var socket in _sockets)
                await socket.DisposeAsync();
            await instance.DisposeAsync();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Health_reports_the_in_process_bus_and_the_log_says_standalone()
    {
        using var http = new HttpClient { BaseAddress = _instance.BaseUri };
        using var response = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("in-process", body.GetProperty("bus").GetString());
        Assert.Contains(_instance.Log.Events, e => e.MessageTemplate.Text.StartsWith("Running standalone"));
    }

    [Fact(Timeout = 30_000)]
    public async Task The_page_is_served_with_revalidating_cache_headers()
    {
        using var http = new HttpClient { BaseAddress = _instance.BaseUri };
        using var page = await http.GetAsync("/", TestContext.Current.CancellationToken);
        using var script = await http.GetAsync("/app.js", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<button", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.NotNull(script.Headers.ETag);
        var cache = script.Headers.CacheControl!;
        Assert.True(cache.Public && cache.MustRevalidate, $"Cache-Control: {cache}");
        Assert.Equal(TimeSpan.FromSeconds(60), cache.MaxAge);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_plain_GET_on_the_socket_endpoint_gets_400_with_a_message()
    {
        using var http = new HttpClient { BaseAddress = _instance.BaseUri };
        using var response = await http.GetAsync("/ws", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => _instance.DisposeAsync();
}
