using Notifications.Bench.Infra;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// Ramps idle sockets on one standalone instance to each N, lets it settle, forces a full GC in the
/// server (over EventPipe), then reads RSS, the managed heap and the live objects in it (the GC's
/// survivor counts). Each N settles for 13 s first (the ramp's garbage collected, the thread pool and
/// buffer pools back at rest), so the figure is what a held socket costs at rest. The
/// figure is the slope of a least-squares line through the points: what one more connection costs,
/// without the runtime's fixed footprint.
/// </summary>
internal static class IdleMemory
{
    private const double TargetBytesPerConnection = 6 * 1024;

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        int[] sizes = context.Smoke ? [20, 50, 100, 200] : [1000, 5000, 10_000, 18_000];
        var hold = TimeSpan.FromSeconds(context.Smoke ? 0.3 : 3);
        var settle = context.Smoke ? hold : Settle + hold;
        await using var server = ServerProcess.Start(context, "idle", new Dictionary<string, string>());
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            var (rss0, heap0) = await MeasureAsync(context, server, hold, hold);
            var points = new List<(int N, long Rss, HeapAfterGc? Heap)>();
            foreach (int n in sizes)
            {
                var report = await pool.ConnectAsync(server.EndPoint, n - pool.Clients.Count, rate: null, concurrency: 256, ct);
                int held = await server.ConnectionsAsync(ct);
                var (rss, heap) = await MeasureAsync(context, server, settle, hold);
                points.Add((n, rss, heap));
                context.Add(new Row("idle-memory", $"N={n}",
                    $"RSS {Mib(rss)} MiB, managed heap {(heap is { } h ? $"{Mib(h.HeapBytes)} MiB ({Mib(h.LiveBytes)} MiB live objects)" : "not measured")} (server holds {held}; ramp {report.UntilAllLive.TotalSeconds:0.0} s)")
                {
                    Failed = report.Failed > 0 || held != n,
                    Data = new() { ["connections"] = n, ["serverReports"] = held, ["rssBytes"] = rss, ["heapBytes"] = heap?.HeapBytes, ["liveBytes"] = heap?.LiveBytes, ["connect"] = report },
                });
            }
            double rssSlope = Slope(points.Select(p => (p.N, (double)p.Rss)));
            bool heaps = points.All(p => p.Heap is not null);
            double? heapSlope = heaps ? Slope(points.Select(p => (p.N, (double)p.Heap!.HeapBytes))) : null;
            double? liveSlope = heaps ? Slope(points.Select(p => (p.N, (double)p.Heap!.LiveBytes))) : null;
            context.Add(new Row("idle-memory", "per connection (slope)",
                $"{rssSlope / 1024:0.00} KiB RSS, {(heapSlope is { } hs ? $"{hs / 1024:0.00} KiB managed heap of which {liveSlope / 1024:0.00} KiB live objects" : "heap not measured")} per connection; empty: RSS {Mib(rss0)} MiB, heap {(heap0 is { } h0 ? Mib(h0.HeapBytes) : "?")} MiB")
            {
                Target = "≤ 6 KiB RSS per connection",
                Met = rssSlope <= TargetBytesPerConnection,
                Data = new() { ["rssBytesPerConnection"] = rssSlope, ["heapBytesPerConnection"] = heapSlope, ["liveBytesPerConnection"] = liveSlope, ["emptyRssBytes"] = rss0, ["emptyHeapBytes"] = heap0?.HeapBytes },
            });
        }
        finally
        {
            pool.AbortAll();
        }
    }

    internal static async Task<(long Rss, HeapAfterGc? Heap)> MeasureAsync(BenchContext context, ServerProcess server, TimeSpan settle, TimeSpan hold)
    {
        await Task.Delay(settle, context.Stopping);
        var heap = context.Options.GcProbe ? await RuntimeProbe.HeapAfterFullGcAsync(server.Pid, TimeSpan.FromSeconds(20)) : null;
        await Task.Delay(hold, context.Stopping);
        return (server.RssBytes, heap);
    }

    /// <summary>Least-squares slope of y over x.</summary>
    public static double Slope(IEnumerable<(int X, double Y)> points)
    {
        var p = points.ToList();
        double mx = p.Average(q => q.X), my = p.Average(q => q.Y);
        double num = p.Sum(q => (q.X - mx) * (q.Y - my)), den = p.Sum(q => (q.X - mx) * (q.X - mx));
        return den == 0 ? 0 : num / den;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0");
}
