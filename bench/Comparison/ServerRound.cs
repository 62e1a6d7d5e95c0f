using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Comparison;

/// <summary>
/// One server, freshly started, through every figure of a <see cref="ComparePlan"/>, with the same
/// generator and in the same order for every server: RSS before any socket, open-loop connects at three
/// rates (each batch then reset by its clients, as most clients leave), a reconnect storm, then fan-out at the
/// knee: its first seconds, then its steady state. With <c>--fanout-only</c> the fan-out meets a fresh process.
/// </summary>
internal static class ServerRound
{
    public static async Task<Dictionary<string, double>> RunAsync(BenchContext context, ServerKind kind, int round, ComparePlan plan)
    {
        var ct = context.Stopping;
        var figures = new Dictionary<string, double>();
        await using var server = ServerProcess.Start(context, kind, $"compare-{kind.Name}-r{round}", new Dictionary<string, string>());
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        await Task.Delay(plan.Settle, ct);
        figures["rss-empty"] = server.RssBytes / (1024.0 * 1024);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        double failures = 0;
        // The runtime's GC events, from a .NET server only, and not with --no-gc.
        bool gcProbe = IsDotNet(kind) && context.Options.GcProbe;
        try
        {
            if (!context.Options.FanoutOnly)
                failures += await ConnectionsAsync(server, pool, plan, figures, gcProbe, ct);
            if (!context.Options.SkipFanout)
                failures += await FanoutAsync(context, server, pool, plan, figures, gcProbe);
        }
        finally
        {
            pool.AbortAll();
        }
        figures["failures"] = failures;
        figures["rss-after"] = server.RssBytes / (1024.0 * 1024);
        return figures;
    }

    /// <summary>The connection figures: connects at three rates (each batch reset by its clients after), then the reconnect storm. Returns what failed.</summary>
    private static async Task<double> ConnectionsAsync(ServerProcess server, ClientPool pool, ComparePlan plan, Dictionary<string, double> figures, bool gcProbe, CancellationToken ct)
    {
        double failures = 0;
        await pool.ConnectAsync(server.EndPoint, plan.WarmUp, rate: null, concurrency: 64, ct);
        await ResetAsync(pool, server, ct);
        foreach (var (rate, name) in new[] { (plan.LowRate, "low"), (plan.MidRate, "mid"), (plan.HighRate, "high") })
        {
            // Allocations are counted over the middle batch, from its first connect to its last close: unlike
            // CPU time, they hardly move with what else the machine is doing.
            await using var gc = name == "mid" && gcProbe ? RuntimeProbe.Start(server.Pid) : null;
            var benchPause0 = GC.GetTotalPauseDuration();
            var (report, cpu) = await MeasureAsync(server, () => pool.ConnectAsync(server.EndPoint, plan.Count(rate), rate, int.MaxValue, ct));
            // The generator's own collections delay its handshakes too, whichever server it is measuring.
            figures[$"{name}-bench-gc-pause-ms"] = (GC.GetTotalPauseDuration() - benchPause0).TotalMilliseconds;
            figures[$"p99-{name}"] = report.Handshake.P99;
            figures[$"achieved-{name}"] = report.Live / Math.Max(report.UntilAllLive.TotalSeconds, 1e-3);
            figures[$"cpu-{name}"] = 100 * cpu / Math.Max(report.UntilAllLive.TotalSeconds, 1e-3);
            figures[$"cpu-per-connect-{name}"] = report.Live == 0 ? double.NaN : 1e6 * cpu / report.Live;
            failures += report.Failed;
            double resetCpu = await MeasureResetAsync(pool, server, ct);
            figures[$"reset-cpu-per-connect-{name}"] = report.Live == 0 ? double.NaN : 1e6 * resetCpu / report.Live;
            if (gc is not null && report.Live > 0)
            {
                var collected = await gc.StopAsync();
                figures["alloc-per-connect"] = collected.AllocatedBytes / (double)report.Live;
                AddGc(figures, "mid", collected);
            }
        }
        figures["reset-cpu-per-connect"] = figures["reset-cpu-per-connect-mid"];
        figures["cpu-per-connect"] = figures["cpu-per-connect-mid"];
        var first = await pool.ConnectAsync(server.EndPoint, plan.Storm, rate: null, concurrency: 256, ct);
        pool.AbortAll();
        var (storm, stormCpu) = await MeasureAsync(server, () => pool.ConnectAsync(server.EndPoint, plan.Storm, rate: null, concurrency: plan.Storm, ct));
        figures["storm"] = storm.UntilAllLive.TotalSeconds;
        figures["storm-cpu-per-connect"] = storm.Live == 0 ? double.NaN : 1e6 * stormCpu / storm.Live;
        failures += first.Failed + storm.Failed;
        await ResetAsync(pool, server, ct);
        return failures;
    }

    /// <summary>
    /// A warm-up, then two open-loop steps at the plan's delivery rate, one after the other: the first meets the
    /// sockets just connected (a .NET server's first collections at that rate promote them, and its pools grow to the
    /// rate's batches), the second is the steady fan-out the target is about. Returns what was lost or failed.
    /// </summary>
    private static async Task<long> FanoutAsync(BenchContext context, ServerProcess server, ClientPool pool, ComparePlan plan, Dictionary<string, double> figures, bool gcProbe)
    {
        var ct = context.Stopping;
        var connect = await pool.ConnectAsync(server.EndPoint, plan.FanoutSockets, rate: null, concurrency: 256, ct);
        if (connect.Live == 0)
            return connect.Failed;
        var senders = new[] { pool.Clients[0] };
        int[] receivers = pool.Clients.Select(c => c.Index).ToArray();
        var drain = TimeSpan.FromSeconds(5);
        double n = receivers.Length;
        await FanoutStep.RunAsync(pool, senders, receivers, 0, Math.Min(50_000, plan.FanoutDeliveries) / n,
            context.Smoke ? TimeSpan.FromSeconds(0.3) : TimeSpan.FromSeconds(3), [server], false, drain, ct);
        var first = await FanoutStep.RunAsync(pool, senders, receivers, 1, plan.FanoutDeliveries / n, context.Step, [server], gcProbe, drain, ct);
        figures["fanout-first-p99"] = P99(first);
        if (first.Gc is { } firstGc)
            AddGc(figures, "fanout-first", firstGc);
        var step = await FanoutStep.RunAsync(pool, senders, receivers, 2, plan.FanoutDeliveries / n, context.Step, [server], gcProbe, drain, ct);
        figures["fanout-p99"] = P99(step);
        figures["fanout-p50"] = step.Latency.P50;
        figures["fanout-rate"] = step.DeliveriesPerSecond;
        figures["fanout-cpu-per-million"] = step.ServerCpuPerMillion;
        if (step.Gc is { } gc)
            AddGc(figures, "fanout", gc);
        // The generator's collections delay receipt too, and would read as the server's latency.
        figures["fanout-bench-gc-pause-ms"] = step.BenchGcPauseMs;
        return connect.Failed + first.Lost + first.Duplicated + first.SendErrors + step.Lost + step.Duplicated + step.SendErrors;
    }

    /// <summary>A step nothing reached (a server that lost every alert) has no latency to report, not one of zero.</summary>
    private static double P99(StepResult step) => step.Latency.Count == 0 ? double.NaN : step.Latency.P99;

    private static async Task<(ConnectReport Report, double ServerCpuSeconds)> MeasureAsync(ServerProcess server, Func<Task<ConnectReport>> connect)
    {
        double cpu0 = server.CpuSeconds;
        var report = await connect();
        return (report, server.CpuSeconds - cpu0);
    }

    /// <summary>The server's collections over a step: a gen2 or a long pause there explains a p99 that swings between rounds.</summary>
    private static void AddGc(Dictionary<string, double> figures, string step, GcFigures gc)
    {
        figures[$"{step}-gc-gen0"] = gc.Gen0;
        figures[$"{step}-gc-gen1"] = gc.Gen1;
        figures[$"{step}-gc-gen2"] = gc.Gen2;
        figures[$"{step}-gc-pause-ms"] = gc.PauseMs;
        figures[$"{step}-gc-max-pause-ms"] = gc.MaxPauseMs;
    }

    /// <summary>A server on .NET, whose runtime answers on its diagnostics port (Node's does not).</summary>
    private static bool IsDotNet(ServerKind kind) => kind.TakesOurSettings || kind.Program == "dotnet";

    /// <summary>Resets every socket and waits until the server has let them all go; returns the server's CPU-seconds meanwhile.</summary>
    private static async Task<double> MeasureResetAsync(ClientPool pool, ServerProcess server, CancellationToken ct)
    {
        double cpu0 = server.CpuSeconds;
        await ResetAsync(pool, server, ct);
        return server.CpuSeconds - cpu0;
    }

    private static async Task ResetAsync(ClientPool pool, ServerProcess server, CancellationToken ct)
    {
        pool.AbortAll();
        await server.WaitConnectionsAtMostAsync(0, TimeSpan.FromSeconds(30), ct);
    }
}
