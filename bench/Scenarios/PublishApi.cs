using System.Diagnostics;
using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Metrics;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// The publish API on one instance (ams) with the receiving sockets on another (syd), over the emulator. At each
/// rate and batch size it measures requests/s and alerts/s accepted, the POST's own round trip, and POST-to-delivery
/// on syd's sockets; then, at the same rate, a client socket on ams publishing instead, for the comparison.
/// </summary>
internal static class PublishApi
{
    private const string Key = "bench-key-0123456789abcdef-0123456789";

    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        string topic = $"bench-{context.RunTag}-api";
        var publisherSettings = emulator.InstanceSettings(topic, "ams");
        publisherSettings["PUBLISH_API_KEYS"] = $"bench:{Key}";
        publisherSettings["PUBLISH_API_RATE_PER_SECOND"] = "1000000";
        publisherSettings["PUBLISH_API_BURST"] = "1000000";
        publisherSettings["ALERT_RATE_PER_SECOND"] = "1000000";
        publisherSettings["ALERT_BURST"] = "1000000";
        var servers = new List<ServerProcess> { ServerProcess.Start(context, "ams", publisherSettings), ServerProcess.Start(context, "syd", emulator.InstanceSettings(topic, "syd")) };
        var pool = new ClientPool(new ClientHub(context.RunTag));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{servers[0].Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        try
        {
            await Task.WhenAll(servers.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct)));
            int receivers = context.Options.Sizes?[0] ?? (context.Smoke ? 5 : 100);
            await ConnectAsync(pool, servers[1], receivers, ct);
            int[] receiving = pool.Clients.Select(c => c.Index).ToArray();
            await ConnectAsync(pool, servers[0], 1, ct);
            var socketSender = pool.Clients[^1];
            (double Rate, int Batch)[] steps = context.Smoke ? [(20, 1), (200, 10)] : [(100, 1), (1000, 1), (1000, 10), (5000, 100), (10000, 100)];
            var seconds = context.Smoke ? TimeSpan.FromSeconds(1) : context.Step;
            int index = 1;
            foreach (var (rate, batch) in steps)
            {
                await ApiStepAsync(context, pool, http, receiving, servers, index++, rate, batch, seconds);
                await SocketStepAsync(context, pool, socketSender, receiving, servers, index++, rate, seconds);
            }
        }
        finally
        {
            pool.AbortAll();
            foreach (var server in servers)
                await server.DisposeAsync();
        }
    }

    private static async Task ConnectAsync(ClientPool pool, ServerProcess server, int count, CancellationToken ct)
    {
        var report = await pool.ConnectAsync(server.EndPoint, count, rate: null, concurrency: 64, ct);
        if (report.Failed > 0)
            throw new InvalidOperationException($"connects to {server.Name} failed: {report.FailureText}");
    }

    private static async Task ApiStepAsync(BenchContext context, ClientPool pool, HttpClient http, int[] receivers,
        IReadOnlyList<ServerProcess> servers, int step, double rate, int batch, TimeSpan seconds)
    {
        var ledger = new DeliveryLedger(step, pool.IndexLimit, (long)Math.Round(rate * seconds.TotalSeconds) + batch + 1);
        pool.Hub.Sink = ledger;
        double cpu0 = servers[0].CpuSeconds;
        long t0 = Stopwatch.GetTimestamp();
        var sent = await ApiSender.RunAsync(http, Key, pool.Hub.RunTag, step, rate, batch, seconds, context.Stopping);
        long expected = (sent.Alerts - sent.Refused * batch) * receivers.Length;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ledger.Received(receivers) < expected && DateTime.UtcNow < deadline)
            await Task.Delay(5, context.Stopping);
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds, cpu = 100 * (servers[0].CpuSeconds - cpu0) / wall;
        var totals = ledger.Totals(receivers, sent.Alerts);
        var latency = ledger.Latency.Merge().Summary();
        context.Add(new Row("publish-api", $"API {rate:0} alerts/s, batch {batch} → {receivers.Length} sockets on another instance",
            $"{sent.Requests / sent.Elapsed.TotalSeconds:0} requests/s, {sent.Alerts / sent.Elapsed.TotalSeconds:0} alerts/s accepted ({sent.Refused} refused); " +
            $"POST→202 p50 {sent.Answer.P50:0.0} p99 {sent.Answer.P99:0.0} ms; POST→delivery p50 {latency.P50:0.0} p99 {latency.P99:0.0} max {latency.Max:0} ms; publisher CPU {cpu:0}%")
        {
            Lost = totals.Lost,
            Duplicated = totals.Duplicated,
            Failed = totals.Lost > 0 || totals.Duplicated > 0 || sent.Refused > 0,
            ServerCpuPercent = cpu,
            Data = new() { ["requests"] = sent.Requests, ["alerts"] = sent.Alerts, ["answer"] = sent.Answer, ["delivery"] = latency, ["batch"] = batch },
        });
    }

    private static async Task SocketStepAsync(BenchContext context, ClientPool pool, WsClient sender, int[] receivers,
        IReadOnlyList<ServerProcess> servers, int step, double rate, TimeSpan seconds)
    {
        var result = await FanoutStep.RunAsync(pool, [sender], receivers, step, rate, seconds, servers, false, TimeSpan.FromSeconds(10), context.Stopping);
        context.Add(new Row("publish-api", $"socket {rate:0} alerts/s → {receivers.Length} sockets on another instance",
            $"socket→delivery p50 {result.Latency.P50:0.0} p99 {result.Latency.P99:0.0} max {result.Latency.Max:0} ms (the same rate from one client socket, for comparison)")
        {
            Lost = result.Lost,
            Duplicated = result.Duplicated,
            Failed = !result.Clean,
            ServerCpuPercent = result.ServerCpuPercent,
            Data = new() { ["step"] = result },
        });
    }
}
