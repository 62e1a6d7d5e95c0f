using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.PubSub;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// The emulator, three instances and clients spread over them; senders on every instance. At each rate
/// it measures socket end-to-end latency and, in the same run, a bare subscriber on the same topic:
/// publish leg (intended send → publish time), the emulator's delivery, and the relay overhead
/// (sockets minus bare subscriber) as a difference of measured percentiles, not a guess.
/// </summary>
internal static class CrossInstance
{
    private static readonly string[] Regions = ["ams", "syd", "lax"];

    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        string topic = $"bench-{context.RunTag}-cross";
        var servers = Regions.Select(r => ServerProcess.Start(context, r, emulator.InstanceSettings(topic, r))).ToList();
        var hub = new ClientHub(context.RunTag);
        var pool = new ClientPool(hub);
        BareSubscriber? bare = null;
        try
        {
            await Task.WhenAll(servers.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct)));
            bare = await BareSubscriber.StartAsync(emulator.Host, Emulator.Project, topic, hub, ct);
            int perInstance = context.Options.Sizes?[0] ?? (context.Smoke ? 5 : 100), sendersPerInstance = Math.Min(perInstance, context.Smoke ? 1 : 4);
            var senders = new List<WsClient>();
            foreach (var server in servers)
            {
                var report = await pool.ConnectAsync(server.EndPoint, perInstance, rate: null, concurrency: 64, ct);
                if (report.Failed > 0)
                    throw new InvalidOperationException($"connects to {server.Name} failed: {report.FailureText}");
                senders.AddRange(pool.Clients.TakeLast(perInstance).Take(sendersPerInstance));
            }
            int[] receivers = pool.Clients.Select(c => c.Index).ToArray();
            // 100/s carries the target, and its p99s are differences of two tails: 2,000 alerts there, so each
            // p99 is the 20th-latest alert, not the 5th.
            (double Rate, double Seconds)[] steps = context.Smoke ? [(10, 1), (100, 0.5)] : [(1, 10), (10, 5), (100, 20), (1000, 5)];
            for (int i = 0; i < steps.Length; i++)
                await StepAsync(context, pool, senders, receivers, servers, emulator, bare, i + 1, steps[i].Rate, steps[i].Seconds);
        }
        finally
        {
            pool.AbortAll();
            if (bare is not null)
                await bare.DisposeAsync();
            foreach (var server in servers)
                await server.DisposeAsync();
        }
    }


    private static async Task StepAsync(BenchContext context, ClientPool pool, List<WsClient> senders, int[] receivers,
        List<ServerProcess> servers, Emulator emulator, BareSubscriber bare, int index, double rate, double seconds)
    {
        double emulatorCpu0 = emulator.CpuSeconds;
        BareLeg? leg = null;
        var step = await FanoutStep.RunAsync(pool, senders, receivers, index, rate, TimeSpan.FromSeconds(seconds), servers,
            false, TimeSpan.FromSeconds(10), context.Stopping,
            ledger => bare.Current = leg = new BareLeg(index, ledger.MaxAlerts));
        for (int wait = 0; wait < 200 && leg!.Ledger.Received([0]) < step.Sent; wait++)
            await Task.Delay(10, context.Stopping);
        var bareTotals = leg!.Ledger.Totals([0], step.Sent);
        var bareE2e = leg.Ledger.Latency.Merge().Summary();
        var publish = leg.Publish.Merge().Summary();
        var deliver = leg.Deliver.Merge().Summary();
        double overheadP50 = step.Latency.P50 - bareE2e.P50, overheadP99 = step.Latency.P99 - bareE2e.P99;
        double emulatorCpu = 100 * (emulator.CpuSeconds - emulatorCpu0) / step.WallSeconds;
        context.Add(new Row("cross-instance", $"{rate:0} alerts/s × {receivers.Length} sockets",
            $"sockets p50 {step.Latency.P50:0.0} p99 {step.Latency.P99:0.0} max {step.Latency.Max:0} ms; bare subscriber p50 {bareE2e.P50:0.0} p99 {bareE2e.P99:0.0} ms " +
            $"(publish p50 {publish.P50:0.0} p99 {publish.P99:0.0}, emulator→subscriber p50 {deliver.P50:0.0} p99 {deliver.P99:0.0}); " +
            $"relay overhead p50 {overheadP50:+0.0;-0.0} p99 {overheadP99:+0.0;-0.0} ms; emulator CPU {emulatorCpu:0}%; bare lost {bareTotals.Lost}")
        {
            Target = rate == 100 ? "relay overhead ≤ 5 ms p99 over the emulator's own" : null,
            Met = rate == 100 ? overheadP99 <= 5 : null,
            Lost = step.Lost + bareTotals.Lost,
            Duplicated = step.Duplicated + bareTotals.Duplicated,
            Failed = !step.Clean || bareTotals.Lost > 0 || bareTotals.Duplicated > 0,
            ServerCpuPercent = step.ServerCpuPercent,
            BenchCpuPercent = step.BenchCpuPercent,
            OtherCpuPercent = step.OtherCpuPercent,
            Data = new()
            {
                ["step"] = step, ["bare"] = bareE2e, ["bareLost"] = bareTotals.Lost, ["publishLeg"] = publish, ["emulatorLeg"] = deliver,
                ["relayOverheadP50Ms"] = overheadP50, ["relayOverheadP99Ms"] = overheadP99, ["emulatorCpuPercent"] = emulatorCpu,
            },
        });
    }
}
