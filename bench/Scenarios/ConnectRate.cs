using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// Open-loop connects at rising rates to one standalone instance: handshake latency (TCP connect to
/// the welcome frame) from each connect's intended start, failures, time until all are live. Then a
/// reconnect storm: N live sockets are reset at once and all N reconnect immediately.
/// </summary>
internal static class ConnectRate
{
    private const double TargetRate = 5000;

    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        await using var server = ServerProcess.Start(context, "connect", new Dictionary<string, string>());
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            await pool.ConnectAsync(server.EndPoint, context.Smoke ? 20 : 500, rate: null, concurrency: 64, ct); // JIT warm-up
            await ResetAsync(pool, server, ct);
            foreach (double rate in context.Smoke ? new[] { 200.0 } : [1000.0, 2000, 5000, 10_000])
            {
                int count = context.Smoke ? 50 : (int)Math.Min(rate * 2, 10_000);
                var (report, serverCpu, benchCpu, otherCpu) = await MeasureAsync(server, () => pool.ConnectAsync(server.EndPoint, count, rate, int.MaxValue, ct));
                context.Add(new Row("connect-rate", $"{rate:0}/s × {count}", Describe(report))
                {
                    Target = rate >= TargetRate ? "≥ 5,000 connects/s, 0 failures" : null,
                    Met = rate >= TargetRate ? report.Failed == 0 && report.Live / report.UntilAllLive.TotalSeconds >= TargetRate * 0.95 : null,
                    Failed = context.Smoke && report.Failed > 0,
                    ServerCpuPercent = Pct(serverCpu, report),
                    BenchCpuPercent = Pct(benchCpu, report),
                    OtherCpuPercent = Pct(otherCpu, report),
                    Data = new() { ["rate"] = rate, ["report"] = report },
                });
                await ResetAsync(pool, server, ct);
            }
            await StormAsync(context, server, pool);
        }
        finally
        {
            pool.AbortAll();
        }
    }

    private static async Task StormAsync(BenchContext context, ServerProcess server, ClientPool pool)
    {
        var ct = context.Stopping;
        int n = context.Smoke ? 100 : 10_000;
        var first = await pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: 256, ct);
        pool.AbortAll();
        var (storm, serverCpu, benchCpu, otherCpu) = await MeasureAsync(server, () => pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: n, ct));
        context.Add(new Row("connect-rate", $"reconnect storm × {n}", Describe(storm))
        {
            Failed = first.Failed > 0 || (context.Smoke && storm.Failed > 0),
            ServerCpuPercent = Pct(serverCpu, storm),
            BenchCpuPercent = Pct(benchCpu, storm),
            OtherCpuPercent = Pct(otherCpu, storm),
            Data = new() { ["initial"] = first, ["storm"] = storm },
        });
    }

    private static string Describe(ConnectReport r) =>
        $"{r.Live / Math.Max(r.UntilAllLive.TotalSeconds, 1e-3):N0} connects/s achieved, all live in {r.UntilAllLive.TotalSeconds:0.00} s; " +
        $"handshake p50 {r.Handshake.P50:0.0} p99 {r.Handshake.P99:0.0} max {r.Handshake.Max:0} ms; {r.Failed} failed{(r.Failed > 0 ? $" ({r.FailureText})" : "")}";

    private static async Task<(ConnectReport Report, double ServerCpu, double BenchCpu, double OtherCpu)> MeasureAsync(ServerProcess server, Func<Task<ConnectReport>> connect)
    {
        double s0 = server.CpuSeconds, b0 = ProcStat.SelfCpuSeconds;
        var othersBefore = MachineCpu.Snapshot(FanoutStep.Ours([server]));
        var report = await connect();
        double s = server.CpuSeconds - s0, b = ProcStat.SelfCpuSeconds - b0;
        return (report, s, b, MachineCpu.Used(othersBefore, MachineCpu.Snapshot(FanoutStep.Ours([server]))));
    }

    private static double Pct(double seconds, ConnectReport r) => 100 * seconds / Math.Max(r.UntilAllLive.TotalSeconds, 1e-3);

    private static async Task ResetAsync(ClientPool pool, ServerProcess server, CancellationToken ct)
    {
        pool.AbortAll();
        await server.WaitConnectionsAtMostAsync(0, TimeSpan.FromSeconds(30), ct);
    }
}
