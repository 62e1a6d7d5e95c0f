using System.Diagnostics;
using Notifications.Bench.Infra;
using Notifications.Bench.Metrics;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Load;

/// <summary>One measured step: alerts sent open loop at a rate, then waited for until every receiver has each or the drain times out.</summary>
internal sealed record StepResult(int Step, double Rate, int Receivers, long Sent, long Expected, long Delivered, long Lost,
    long Duplicated, long Stale, long SendErrors, LatencySummary Latency, double WallSeconds, double ServerCpuSeconds,
    double BenchCpuSeconds, double OtherCpuSeconds, GcFigures? Gc, int BenchGcs, double BenchGcPauseMs, double SenderLagMaxMs)
{
    /// <summary>Busy CPU on the machine that was neither the servers' nor the bench's: kernel threads, the emulator, anything else running.</summary>
    public double OtherCpuPercent => 100 * OtherCpuSeconds / WallSeconds;
    public double DeliveriesPerSecond => Delivered / WallSeconds;
    public double ServerCpuPercent => 100 * ServerCpuSeconds / WallSeconds;
    public double BenchCpuPercent => 100 * BenchCpuSeconds / WallSeconds;
    public double ServerCpuPerMillion => Delivered == 0 ? 0 : ServerCpuSeconds / (Delivered / 1e6);
    public double? AllocatedPerDelivery => Gc is null || Delivered == 0 ? null : (double)Gc.AllocatedBytes / Delivered;
    public bool Clean => Lost == 0 && Duplicated == 0 && SendErrors == 0;

    /// <summary>This step as a results row: its loss, duplicates and CPU, failed unless clean, the step itself in the data.</summary>
    public Row ToRow(string scenario, string @case, string figures) => new(scenario, @case, figures)
    {
        Lost = Lost,
        Duplicated = Duplicated,
        Failed = !Clean,
        ServerCpuPercent = ServerCpuPercent,
        BenchCpuPercent = BenchCpuPercent,
        OtherCpuPercent = OtherCpuPercent,
        Data = new() { ["step"] = this },
    };

    // The generator's own collections too: a pause there delays receipt, and would read as the server's latency.
    public string GcText => (Gc is null ? "GC not measured"
        : $"{AllocatedPerDelivery:0} B alloc/delivery, GCs {Gc.Gen0}/{Gc.Gen1}/{Gc.Gen2}, pauses {Gc.PauseMs:0} ms (longest {Gc.MaxPauseMs:0.0})")
        + $"; bench GCs {BenchGcs}, pauses {BenchGcPauseMs:0} ms; sender lag max {LatencySummary.Ms(SenderLagMaxMs)} ms";
}

internal static class FanoutStep
{
    public static int[] Ours(IEnumerable<ServerProcess> servers) => [Environment.ProcessId, .. servers.Select(s => s.Pid)];

    public static async Task<StepResult> RunAsync(ClientPool pool, IReadOnlyList<WsClient> senders, IReadOnlyCollection<int> receivers,
        int step, double rate, TimeSpan duration, IReadOnlyList<ServerProcess> servers, bool gcProbe, TimeSpan drainTimeout,
        CancellationToken cancellationToken, Action<DeliveryLedger>? alsoWatch = null)
    {
        var ledger = new DeliveryLedger(step, pool.IndexLimit, (long)Math.Round(rate * duration.TotalSeconds) + 1);
        alsoWatch?.Invoke(ledger);
        pool.Hub.Sink = ledger;
        var probes = gcProbe ? servers.Select(s => RuntimeProbe.Start(s.Pid)).ToList() : [];
        double cpu0 = servers.Sum(s => s.CpuSeconds), bench0 = ProcStat.SelfCpuSeconds;
        var othersBefore = MachineCpu.Snapshot(Ours(servers));
        int benchGcs0 = GC.CollectionCount(0);
        var benchPause0 = GC.GetTotalPauseDuration();
        long t0 = Stopwatch.GetTimestamp();
        var startedUtc = DateTime.UtcNow;

        long errors0 = senders.Sum(s => s.Errors);
        var sent = await OpenLoopSender.RunAsync(senders, pool.Hub.RunTag, step, rate, duration, cancellationToken, pool.Hub.Channel?.AlertField);
        long expected = sent.Count * receivers.Count;
        long deadline = Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (ledger.Received(receivers) < expected && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(5, cancellationToken);

        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        double cpu = servers.Sum(s => s.CpuSeconds) - cpu0, bench = ProcStat.SelfCpuSeconds - bench0, others = MachineCpu.Used(othersBefore, MachineCpu.Snapshot(Ours(servers)));
        GcFigures? gc = null;
        foreach (var probe in probes)
        {
            if (probe is null)
                continue;
            var f = await probe.StopAsync();
            await probe.DisposeAsync();
            gc = gc is null ? f : new GcFigures(gc.AllocatedBytes + f.AllocatedBytes, gc.Gen0 + f.Gen0, gc.Gen1 + f.Gen1,
                gc.Gen2 + f.Gen2, gc.HeapBytes + f.HeapBytes, gc.PauseMs + f.PauseMs, Math.Max(gc.MaxPauseMs, f.MaxPauseMs));
        }
        var totals = ledger.Totals(receivers, sent.Count);
        ledger.DumpTimeline(sent.Count, servers.Count > 0 ? servers[0].Kind.Name : "server", startedUtc, receivers.Count);
        long refused = senders.Sum(s => s.Errors) - errors0; // error frames: the server refused an alert (rate limit, publish_failed)
        return new StepResult(step, rate, receivers.Count, sent.Count, totals.Expected, totals.Delivered, totals.Lost,
            totals.Duplicated, totals.Stale, sent.SendErrors + refused, ledger.Latency.Merge().Summary(), wall, cpu, bench, others, gc,
            GC.CollectionCount(0) - benchGcs0, (GC.GetTotalPauseDuration() - benchPause0).TotalMilliseconds, sent.MaxLagMs);
    }
}
