using Notifications.Bench.Infra;
using Notifications.Bench.Metrics;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// Process start to /healthz 200 (topic checked, subscription created on the emulator), and SIGTERM to
/// exit (sockets closed with 1001, subscription deleted), idle and with sockets open; standalone too.
/// </summary>
internal static class Startup
{
    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        var env = new Dictionary<string, string>
        {
            ["PUBSUB_EMULATOR_HOST"] = emulator.Host,
            ["PUBSUB_PROJECT_ID"] = "bench-local",
            ["PUBSUB_TOPIC"] = $"bench-{context.RunTag}-startup",
        };
        // The first start creates the topic on an emulator whose JVM has not yet served these calls; it is
        // reported on its own line, and the target is judged on the starts after it, as in production,
        // where the topic exists and Pub/Sub is warm.
        var (firstReady, firstStop, _) = await StartAndStopAsync(context, "startup-first", env);
        context.Add(new Row("startup", "emulator: first start (creates the topic, cold emulator)",
            $"ready in {firstReady.TotalMilliseconds:0} ms, stopped in {firstStop.TotalMilliseconds:0} ms"));
        var ready = new Histogram();
        var stop = new Histogram();
        var each = new List<double>();
        var others = new List<double>();
        int runs = context.Smoke ? 1 : 5;
        for (int i = 0; i < runs; i++)
        {
            var (up, down, other) = await StartAndStopAsync(context, $"startup{i}", env);
            ready.Record((long)up.TotalMicroseconds);
            stop.Record((long)down.TotalMicroseconds);
            each.Add(Math.Round(up.TotalMilliseconds));
            others.Add(Math.Round(other));
        }
        context.Add(Timing("emulator: start → /healthz 200", ready.Summary(), runs, "≤ 500 ms", 500, each, others));
        context.Add(Timing("emulator: SIGTERM → exit, idle", stop.Summary(), runs, "≤ 2 s", 2000));
        await StopWithSocketsAsync(context, env, context.Smoke ? 10 : 1000);

        await using var standalone = ServerProcess.Start(context, "startup-standalone", new Dictionary<string, string>());
        var alone = await standalone.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var aloneStop = await standalone.StopAsync(TimeSpan.FromSeconds(30));
        context.Add(new Row("startup", "standalone: start → ready, stop", $"ready in {alone.TotalMilliseconds:0} ms, stopped in {aloneStop.TotalMilliseconds:0} ms"));
    }

    /// <summary>Also returns what every other process on the machine (the emulator above all) used while the server started, in percent of one core.</summary>
    private static async Task<(TimeSpan Ready, TimeSpan Stopped, double OtherCpuPercent)> StartAndStopAsync(BenchContext context, string name, Dictionary<string, string> env)
    {
        var before = MachineCpu.Snapshot([Environment.ProcessId]);
        await using var server = ServerProcess.Start(context, name, env);
        var ready = await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), context.Stopping);
        double other = MachineCpu.Used(before, MachineCpu.Snapshot([Environment.ProcessId, server.Pid]));
        return (ready, await server.StopAsync(TimeSpan.FromSeconds(30)), 100 * other / ready.TotalSeconds);
    }

    private static Row Timing(string name, LatencySummary s, int runs, string target, double limitMs, List<double>? each = null, List<double>? others = null) =>
        new("startup", name, $"median {s.P50:0} ms, max {s.Max:0} ms over {runs} runs{(each is null ? "" : $" ({string.Join(", ", each)})")}"
            + (others is null ? "" : $"; other CPU while starting {string.Join(", ", others)} %"))
        {
            Target = target,
            Met = s.Max <= limitMs,
            Data = new() { ["summary"] = s, ["eachMs"] = each, ["otherCpuPercent"] = others },
        };

    private static async Task StopWithSocketsAsync(BenchContext context, Dictionary<string, string> env, int sockets)
    {
        await using var server = ServerProcess.Start(context, "startup-drain", env);
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), context.Stopping);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        var connect = await pool.ConnectAsync(server.EndPoint, sockets, rate: null, concurrency: 128, context.Stopping);
        var took = await server.StopAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200, context.Stopping);
        int told = pool.Clients.Count(c => c.CloseCode is 1001 or 1012);
        pool.AbortAll();
        context.Add(new Row("startup", $"emulator: SIGTERM → exit, {sockets} sockets", $"{took.TotalMilliseconds:0} ms; {told} of {connect.Live} sockets got a 1001/1012 close")
        {
            Target = "≤ 2 s",
            Met = took.TotalSeconds <= 2,
            Failed = connect.Failed > 0 || told != connect.Live,
        });
    }
}
