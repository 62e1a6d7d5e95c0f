using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// One standalone instance with a steady broadcast. Phase 1 everyone reads; phase 2 a share of the
/// clients (small receive buffers) stop reading; phase 3 after the server dropped them. Healthy
/// clients must lose nothing and keep their p99; server RSS must stay flat; stalled ones get 1013.
/// </summary>
internal static class SlowConsumers
{
    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        int n = context.Smoke ? 20 : 100, slow = Math.Max(2, n / 20);
        // A stalled socket first fills its kernel send buffer (autotuned up to tcp_wmem max, ~4 MB here,
        // ~17k frames) before the server's queue sees anything, so the rate must be high enough to get past it.
        double rate = context.Smoke ? 500 : 2000; // smoke proves the healthy lose nothing; too short to trip the policy
        // Default settings: the server lets a socket queue WS_SEND_QUEUE + ALERT_WINDOW_SIZE frames (room for a resume's replay).
        var env = new Dictionary<string, string>();
        await using var server = ServerProcess.Start(context, "slow", env);
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            await pool.ConnectAsync(server.EndPoint, n - slow, rate: null, concurrency: 256, ct);
            var stalled = (await pool.ConnectAsync(server.EndPoint, slow, rate: null, concurrency: 256, ct, receiveBuffer: 4096)).Live;
            var slowClients = pool.Clients.TakeLast(slow).ToList();
            var healthy = pool.Clients.Take(pool.Clients.Count - slow).Select(c => c.Index).ToArray();
            var senders = new[] { pool.Clients[0] };
            var phase = TimeSpan.FromSeconds(context.Smoke ? 1 : 5);
            var everyone = pool.Clients.Select(c => c.Index).ToArray();
            await FanoutStep.RunAsync(pool, senders, everyone, 0, rate, phase / 3, [server], false, TimeSpan.FromSeconds(5), ct); // JIT warm-up

            var before = await PhaseAsync(context, server, pool, senders, everyone, 1, rate, phase, "everyone reading");
            slowClients.ForEach(c => c.Pause());
            var during = await PhaseAsync(context, server, pool, senders, healthy, 2, rate, phase * (context.Smoke ? 2.5 : 3), $"{slow} of {n} stopped reading");
            slowClients.ForEach(c => c.Resume());
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            int closed1013 = slowClients.Count(c => c.CloseCode == 1013), reset = slowClients.Count(c => c.CloseCode == -1);
            var after = await PhaseAsync(context, server, pool, senders, healthy, 3, rate, phase, "after they were dropped");

            bool flat = during.Step.Latency.P99 <= Math.Max(2 * before.Step.Latency.P99, before.Step.Latency.P99 + 5)
                && during.MaxRss <= before.MaxRss * 1.10 + 4 * 1024 * 1024;
            context.Add(new Row("slow-consumers", "summary",
                $"healthy p99 {before.Step.Latency.P99:0.0} → {during.Step.Latency.P99:0.0} → {after.Step.Latency.P99:0.0} ms; " +
                $"RSS max {Mib(before.MaxRss)} → {Mib(during.MaxRss)} → {Mib(after.MaxRss)} MiB; of {slow} stalled: {closed1013} closed with 1013, {reset} reset, {slow - closed1013 - reset} still open")
            {
                Target = "healthy p99 ≤ max(2×, +5 ms) of before; RSS ≤ +10 % (+4 MiB); stalled clients closed",
                Met = flat && closed1013 + reset == slow,
                Data = new() { ["slow"] = slow, ["stalledConnected"] = stalled, ["closed1013"] = closed1013, ["reset"] = reset },
            });
        }
        finally
        {
            pool.AbortAll();
        }
    }

    private sealed record Phase(StepResult Step, long MaxRss);

    private static async Task<Phase> PhaseAsync(BenchContext context, ServerProcess server, ClientPool pool, WsClient[] senders,
        int[] receivers, int index, double rate, TimeSpan duration, string name)
    {
        long maxRss = server.RssBytes;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxRss = Math.Max(maxRss, server.RssBytes);
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var step = await FanoutStep.RunAsync(pool, senders, receivers, index, rate, duration, [server], false, TimeSpan.FromSeconds(5), context.Stopping);
        await sampling.CancelAsync();
        await sampler;
        var row = step.ToRow("slow-consumers", name, $"{step.Latency} for {receivers.Length} healthy; RSS max {Mib(maxRss)} MiB");
        row.Data["maxRssBytes"] = maxRss;
        context.Add(row);
        return new Phase(step, maxRss);
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0");
}
