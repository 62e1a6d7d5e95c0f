using System.Diagnostics;
using Notifications.Bench.Channels;
using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Metrics;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// Issue 20: N signed-in sockets on one instance over the emulator, each in its own <c>user:</c> channel and
/// all in <c>global</c>. A backend sends alerts to random users on the topic (each must reach exactly its
/// user's socket: deliveries/s, p99, server CPU per alert, which must not grow with N); then the global
/// broadcast on the same sockets, step by step to its knee. Last, memory per socket on a standalone
/// instance with one channel joined (its user channel) and with ten.
/// </summary>
internal static partial class ChannelFanout
{
    private const string Name = "channels";
    private const double P99LimitMs = 50;
    private static readonly double[] TargetedRates = [1000, 2000, 5000];
    private static readonly double[] BroadcastDeliveries = [250e3, 500e3, 1e6, 1.5e6, 2e6];

    public static async Task RunAsync(BenchContext context)
    {
        foreach (int n in context.Options.Sizes ?? (context.Smoke ? [50] : [1000, 10_000]))
            await RunSizeAsync(context, n);
        await MemoryAsync(context, context.Options.Sizes?[^1] ?? (context.Smoke ? 100 : 10_000));
    }

    private static async Task RunSizeAsync(BenchContext context, int n)
    {
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        string topic = $"bench-{context.RunTag}-channels-{n}";
        var env = new Dictionary<string, string>(emulator.InstanceSettings(topic, "ams")) { ["AUTH_HS256_SECRET"] = BenchTokens.Secret };
        await using var server = ServerProcess.Start(context, $"channels-{n}", env);
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        using var backend = new TargetedSender(emulator.Host, Infra.Emulator.Project, topic);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            var connect = await pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: 256, ct, headersOf: i => BenchTokens.Header(User(i)));
            if (connect.Failed > 0)
            {
                context.Add(new Row(Name, $"N={n} connect", connect.FailureText) { Failed = true });
                return;
            }
            int step = 0;
            await TargetedAsync(context, pool, backend, server, ++step, context.Smoke ? 100 : 1000, TimeSpan.FromSeconds(context.Smoke ? 0.3 : 3), warm: true);
            foreach (double rate in context.Options.Rates ?? (context.Smoke ? [200] : TargetedRates))
                await TargetedAsync(context, pool, backend, server, ++step, rate, context.Step, warm: false);
            await BroadcastAsync(context, pool, server, step);
        }
        finally
        {
            pool.AbortAll();
        }
    }

    private static string User(int index) => "u" + index;

    /// <summary>One step of alerts to random users: each must reach its user's socket once, and no other.</summary>
    private static async Task TargetedAsync(BenchContext context, ClientPool pool, TargetedSender backend, ServerProcess server, int step,
        double rate, TimeSpan duration, bool warm)
    {
        var ct = context.Stopping;
        long capacity = (long)Math.Round(rate * duration.TotalSeconds) + 1;
        var targets = Enumerable.Range(0, (int)capacity).Select(_ => pool.Clients[Random.Shared.Next(pool.Clients.Count)].Index).ToArray();
        var ledger = new DeliveryLedger(step, pool.IndexLimit, capacity);
        pool.Hub.Sink = ledger;
        int[] everyone = pool.Clients.Select(c => c.Index).ToArray();
        double cpu0 = server.CpuSeconds;
        long t0 = Stopwatch.GetTimestamp();
        long sent = await backend.RunAsync(context.RunTag, step, rate, duration, k => User(targets[k]), ct);
        long deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (ledger.Received(everyone) < sent && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(5, ct);
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds, cpu = server.CpuSeconds - cpu0;
        long received = ledger.Received(everyone), delivered = 0;
        for (long k = 0; k < sent; k++)
            delivered += ledger.Has(targets[k], k) ? 1 : 0;
        long lost = sent - delivered, elsewhere = received - delivered, duplicated = ledger.Totals(everyone, sent).Duplicated;
        var latency = ledger.Latency.Merge().Summary();
        bool clean = lost == 0 && elsewhere == 0 && duplicated == 0;
        context.Add(new Row(Name, $"N={pool.Clients.Count} to users {rate:0}/s{(warm ? " (warm-up)" : "")}",
            $"{delivered / wall:N0} deliveries/s; {latency}; {1e6 * cpu / Math.Max(1, sent):0} server CPU-µs per alert; lost {lost}, to another socket {elsewhere}")
        {
            Lost = lost,
            Duplicated = duplicated + elsewhere,
            Failed = !clean,
            ServerCpuPercent = 100 * cpu / wall,
            Data = new() { ["sent"] = sent, ["delivered"] = delivered, ["elsewhere"] = elsewhere, ["latency"] = latency, ["serverCpuSeconds"] = cpu, ["wallSeconds"] = wall },
        });
    }

    /// <summary>The global broadcast from one of the signed-in sockets, through the emulator, rate by rate until p99 passes 50 ms.</summary>
    private static async Task BroadcastAsync(BenchContext context, ClientPool pool, ServerProcess server, int step)
    {
        int n = pool.Clients.Count;
        int[] receivers = pool.Clients.Select(c => c.Index).ToArray();
        StepResult? knee = null;
        foreach (double deliveries in context.Smoke ? [2_000] : BroadcastDeliveries)
        {
            var s = await FanoutStep.RunAsync(pool, [pool.Clients[0]], receivers, ++step, deliveries / n, context.Step, [server],
                context.Options.GcProbe, TimeSpan.FromSeconds(10), context.Stopping);
            bool within = s.Clean && s.Latency.P99 <= P99LimitMs;
            context.Add(s.ToRow(Name, $"N={n} global {s.Rate:0.#} alerts/s",
                $"{s.DeliveriesPerSecond:N0} deliveries/s; {s.Latency}; {s.ServerCpuPerMillion:0.00} server CPU-s per M; {s.GcText}"));
            if (!within && !(context.Smoke && s.Clean))
                break; // smoke proves correctness only: a slow step there is not the knee
            knee = s;
        }
        context.Add(new Row(Name, $"N={n} global knee", knee is null ? "no clean step" : $"{knee.DeliveriesPerSecond:N0} deliveries/s at p99 {knee.Latency.P99:0.0} ms")
        {
            Target = "≥ 95% of local-fanout's knee (that one is standalone; this one goes through the emulator)",
            Data = new() { ["knee"] = knee },
        });
    }
}
