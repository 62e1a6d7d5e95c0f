using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// One standalone instance (no Pub/Sub settings at all), N sockets, one sender among them. The broadcast
/// rate goes up step by step until p99 passes 50 ms or anything is lost; the knee is the last clean step.
/// </summary>
internal static class LocalFanout
{
    private const double P99LimitMs = 50;
    private static readonly double[] DeliveryRates = [25e3, 50e3, 75e3, 100e3, 150e3, 200e3, 300e3, 400e3, 600e3, 800e3, 1e6, 1.5e6, 2e6];

    public static async Task RunAsync(BenchContext context)
    {
        foreach (int n in context.Options.Sizes ?? (context.Smoke ? [20, 100] : [1000, 10_000]))
            await RunSizeAsync(context, n);
    }

    private static async Task RunSizeAsync(BenchContext context, int n)
    {
        var ct = context.Stopping;
        await using var server = ServerProcess.Start(context, "fanout", new Dictionary<string, string>());
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            var connect = await pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: 256, ct);
            if (connect.Failed > 0)
            {
                context.Add(new Row("local-fanout", $"N={n} connect", connect.FailureText) { Failed = true });
                return;
            }
            var senders = new[] { pool.Clients[0] };
            int[] receivers = pool.Clients.Select(c => c.Index).ToArray();
            var drain = TimeSpan.FromSeconds(5);

            // Long enough at a real rate for the JIT to reach its final tier on both sides before anything counts.
            var warm = await FanoutStep.RunAsync(pool, senders, receivers, 0, (context.Smoke ? 2_000.0 : 50_000.0) / n, TimeSpan.FromSeconds(context.Smoke ? 0.3 : 3),
                [server], false, drain, ct);
            if (!warm.Clean)
                context.Add(new Row("local-fanout", $"N={n} warm-up", $"lost {warm.Lost}, duplicated {warm.Duplicated}") { Failed = true, Lost = warm.Lost });

            StepResult? knee = null;
            var rates = context.Options.Rates ?? (context.Smoke ? [2_000, 10_000] : DeliveryRates);
            for (int i = 0; i < rates.Count; i++)
            {
                var step = await FanoutStep.RunAsync(pool, senders, receivers, 2 * i + 1, rates[i] / n, context.Step,
                    [server], context.Options.GcProbe, drain, ct);
                if (step.Clean && step.Latency.P99 > P99LimitMs && !context.Smoke)
                {
                    // Only latency was over: measure once more, so one hiccup on a shared machine does not end the sweep. A loss is never retried.
                    context.Add(StepRow(n, step, overKnee: false) with { Case = $"N={n} {step.Rate:0.#} alerts/s (first try)" });
                    step = await FanoutStep.RunAsync(pool, senders, receivers, 2 * i + 2, rates[i] / n, context.Step,
                        [server], context.Options.GcProbe, drain, ct);
                }
                bool within = step.Clean && step.Latency.P99 <= P99LimitMs;
                context.Add(StepRow(n, step, overKnee: !within && !context.Smoke && knee is not null));
                if (!within && !(context.Smoke && step.Clean))
                    break; // smoke proves correctness only: a slow step there is not the knee
                knee = step;
            }
            context.Add(KneeRow(n, knee));
        }
        finally
        {
            pool.AbortAll();
        }
    }

    private static Row StepRow(int n, StepResult s, bool overKnee)
    {
        var row = s.ToRow("local-fanout", $"N={n} {s.Rate:0.#} alerts/s",
            $"{s.DeliveriesPerSecond:N0} deliveries/s; {s.Latency}; {s.ServerCpuPerMillion:0.00} server CPU-s per M; {s.GcText}"
            + (overKnee ? $" (over the knee: {(s.Clean ? "p99 > 50 ms" : $"lost {s.Lost}")})" : "")) with { Failed = !s.Clean && !overKnee };
        row.Data["overKnee"] = overKnee;
        return row;
    }

    private static Row KneeRow(int n, StepResult? knee) =>
        new("local-fanout", $"N={n} knee", knee is null ? "no clean step"
            : $"{knee.DeliveriesPerSecond:N0} deliveries/s at p99 {knee.Latency.P99:0.0} ms; {knee.ServerCpuPerMillion:0.00} server CPU-s per M deliveries; {knee.GcText}")
        {
            Target = "≥ 1,000,000 deliveries/s, p99 < 50 ms, no loss",
            Met = knee is not null && knee.DeliveriesPerSecond >= 1e6,
            ServerCpuPercent = knee?.ServerCpuPercent,
            BenchCpuPercent = knee?.BenchCpuPercent,
            OtherCpuPercent = knee?.OtherCpuPercent,
            Data = new() { ["knee"] = knee },
        };
}
