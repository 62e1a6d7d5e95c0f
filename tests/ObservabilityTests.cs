using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Bus;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>What an operator sees: Prometheus metrics on their own port, liveness apart from readiness.</summary>
public sealed class ObservabilityTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task Metrics_on_their_own_port_count_alerts_errors_connections_and_dropped_topic_messages()
    {
        string topic = TestInstance.NewTopic();
        var settings = TestInstance.EmulatorSettings(emulator, topic, "ams");
        int metricsPort = PubSubEmulator.FreePort();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (metricsPort.ToString(), "127.0.0.1");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await instance.WaitReadyAsync();
        using var admin = new EmulatorAdmin(emulator);
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);

        await client.SendAlertAsync("counted");
        await client.SendJsonAsync("not json");
        await client.WaitForErrorAsync("invalid_json");
        await admin.PublishAsync(topic, "garbage"u8.ToArray());
        await client.WaitForAlertAsync("counted");

        using var http = new HttpClient();
        var metricsUri = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        await Eventually.TrueAsync(async () =>
        {
            string text = await http.GetStringAsync(metricsUri, TestContext.Current.CancellationToken);
            return Value(text, "notifications_alerts_published") >= 1
                && Value(text, "notifications_alerts_relayed") >= 1
                && Exposition.Sum(text, "notifications_errors_sent", ("code", "invalid_json")) >= 1
                && Value(text, "notifications_topic_invalid_messages") >= 1
                && Value(text, "notifications_connections") >= 1;
        }, "the metrics show the traffic");
        using var onPublicPort = await http.GetAsync(new Uri(instance.BaseUri, "/metrics"), TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, onPublicPort.StatusCode);

        // Each alert counts once, on this instance only: other instances in this process publish too, and a
        // second listener on the same meter would count every alert twice.
        string before = await Scrape();
        double published = Value(before, "notifications_alerts_published");
        double relayed = Value(before, "notifications_alerts_relayed");
        await client.SendAlertAsync("counted again");
        await client.WaitForAlertAsync("counted again");
        await Eventually.TrueAsync(async () => Value(await Scrape(), "notifications_alerts_relayed") >= relayed + 1, "the second alert relayed");
        string after = await Scrape();
        Assert.Equal(published + 1, Value(after, "notifications_alerts_published"));
        Assert.Equal(relayed + 1, Value(after, "notifications_alerts_relayed"));

        // The connection gauge is the true count, read at each scrape.
        await using (var second = await TestSocket.ConnectAsync(instance.SocketUri))
        {
            await Eventually.TrueAsync(async () => Value(await Scrape(), "notifications_connections") == 2, "two sockets counted");
        }
        await client.DisposeAsync();
        await Eventually.TrueAsync(async () => Value(await Scrape(), "notifications_connections") == 0, "closed sockets uncounted");
        string last = await Scrape();
        Assert.True(Value(last, "process_cpu_seconds_total") > 0, "process figures are published");
        // ASP.NET's meters: the one request this test sent to the public port was counted, with its 404.
        Assert.Equal(1, Exposition.Sum(last, "microsoft_aspnetcore_hosting_http_server_request_duration_count", ("http_response_status_code", "404")));

        Task<string> Scrape() => http.GetStringAsync(metricsUri, TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_metrics_port_already_taken_is_one_warning_line_and_alerts_flow_as_ever()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var settings = TestInstance.StandaloneSettings();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (((IPEndPoint)squatter.LocalEndpoint).Port.ToString(), "127.0.0.1");
        await using var instance = await TestInstance.StartAsync(settings, output);

        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        await client.SendAlertAsync("metrics are secondary");
        await client.WaitForAlertAsync("metrics are secondary");
        var taken = instance.Log.Events.Where(e => e.MessageTemplate.Text.StartsWith("Metrics are off for this instance")).ToList();
        var line = Assert.Single(taken);
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, line.Level);
        Assert.Null(line.Exception);
        Assert.DoesNotContain(instance.Log.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error);
    }

    [Fact(Timeout = 30_000)]
    public async Task Liveness_answers_while_an_instance_that_never_subscribed_is_not_routed_to()
    {
        var settings = TestInstance.EmulatorSettings(emulator, TestInstance.NewTopic(), "ams");
        settings["PUBSUB_EMULATOR_HOST"] = $"127.0.0.1:{PubSubEmulator.FreePort()}"; // nothing listens there
        await using var instance = await TestInstance.StartAsync(settings, output);
        using var http = new HttpClient { BaseAddress = instance.BaseUri };

        // Starting until its first call fails, degraded (with the reason) from then on; never routed to, as with no
        // subscription nothing would reach its sockets.
        await Eventually.TrueAsync(() => instance.Services.GetRequiredService<BusHealth>().State == BusState.Degraded, "degraded");
        using var live = await http.GetAsync("/livez", TestContext.Current.CancellationToken);
        using var routing = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);

        // A socket still works, but a pong carries no stamp: nothing sent before it can have arrived.
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        await client.SendJsonAsync("""{"type":"ping"}""");
        var pong = await client.WaitForAsync("pong");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, routing.StatusCode);
        Assert.Contains("\"status\":\"degraded\"", await routing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(pong.TryGetProperty("serverTime", out _));
    }

    [Fact(Timeout = 30_000)]
    public async Task Connections_are_summed_up_in_one_Information_line_per_interval_not_a_line_each()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["LOG_SUMMARY_SECONDS"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);

        await (await TestSocket.ConnectAsync(instance.SocketUri)).DisposeAsync();
        await (await TestSocket.ConnectAsync(instance.SocketUri)).DisposeAsync();
        Assert.Equal(403, await RefusedAsync(instance, "Origin: https://evil.example\r\n"));

        await Eventually.TrueAsync(() => Total(instance, "Accepted") == 2 && Total(instance, "Refused") == 1 && Total(instance, "Closed") == 2,
            "the summary lines count two sockets accepted and closed, one refused");
        var lines = Summaries(instance);
        Assert.All(lines, line => Assert.Equal(Serilog.Events.LogEventLevel.Information, line.Level));
        Assert.Contains(lines, line => Property(line, "RefusedByStatus") is "403: 1");
        Assert.Contains(lines, line => Property(line, "ClosedByReason")?.ToString()?.StartsWith("client_closed: ") == true);
        Assert.DoesNotContain(instance.Log.Events, IsPerConnection);

        // Nothing happens from here: no more lines.
        int before = Summaries(instance).Count;
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        Assert.Equal(before, Summaries(instance).Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task LOG_CONNECTIONS_brings_back_a_line_per_connection_at_Information()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["LOG_CONNECTIONS"] = "true";
        await using var instance = await TestInstance.StartAsync(settings, output);

        await (await TestSocket.ConnectAsync(instance.SocketUri)).DisposeAsync();

        await Eventually.TrueAsync(() => instance.Log.Events.Count(IsPerConnection) == 2, "an opened and a closed line");
        Assert.All(instance.Log.Events.Where(IsPerConnection), line => Assert.Equal(Serilog.Events.LogEventLevel.Information, line.Level));
    }

    private static bool IsPerConnection(Serilog.Events.LogEvent e) =>
        e.MessageTemplate.Text.StartsWith("Connection {ConnectionId} opened") || e.MessageTemplate.Text.StartsWith("Connection {ConnectionId} from {Remote} closed");

    private static List<Serilog.Events.LogEvent> Summaries(TestInstance instance) =>
        instance.Log.Events.Where(e => e.MessageTemplate.Text.StartsWith("Connections in the last")).ToList();

    private static long Total(TestInstance instance, string property) =>
        Summaries(instance).Sum(e => Convert.ToInt64(Property(e, property)));

    private static object? Property(Serilog.Events.LogEvent e, string name) => ((Serilog.Events.ScalarValue)e.Properties[name]).Value;

    private static async Task<int> RefusedAsync(TestInstance instance, string fields)
    {
        using var client = await RawClient.ConnectAsync(instance.BaseUri);
        string head = RawClient.Head(instance.BaseUri);
        await client.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head[..^2] + fields + "\r\n"));
        return int.Parse((await client.ReadHeadAsync()).Split(' ')[1]);
    }

    private static double Value(string exposition, string metric) => Exposition.Sum(exposition, metric);
}
