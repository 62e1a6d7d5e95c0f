using Notifications.Bench.Metrics;

namespace Notifications.Bench.Storm;

/// <summary>
/// What the reconnects of a drain say about the goaway hint's spread: reconnects per 100 ms bucket
/// (from SIGTERM), how far the busiest bucket is above an even spread over the hint's window, time to
/// all live, the split between the instances, and the handshakes the pages waited for.
/// </summary>
internal sealed record StormFigures(int Pages, int Live, int Hinted, int Closed1012, double HintMinMs, double HintMaxMs,
    double AllLiveSeconds, int[] PerBucket, double BucketMs, int PeakBucket, double PeakToEven, double BucketCv,
    int[] PerInstance, LatencySummary Handshake, LatencySummary Closed, LatencySummary Late, int Retried, int ResumesComplete, int Resumes)
{
    public static StormFigures From(IReadOnlyList<Reconnect> all, int instances, TimeSpan spread, double bucketMs = 100)
    {
        var live = all.Where(r => r.Live).ToList();
        double last = live.Count == 0 ? 0 : live.Max(r => r.LiveAtMs);
        var buckets = new int[(int)(last / bucketMs) + 1];
        foreach (var r in live)
            buckets[(int)(r.LiveAtMs / bucketMs)]++;
        // An even spread puts Pages / (spread / bucket) in each bucket of the hint's window.
        double even = all.Count / Math.Max(1, spread.TotalMilliseconds / bucketMs);
        var window = buckets.Take((int)Math.Ceiling(spread.TotalMilliseconds / bucketMs)).Select(b => (double)b).ToList();
        double mean = window.Count == 0 ? 0 : window.Average();
        double cv = mean == 0 ? 0 : Math.Sqrt(window.Average(b => (b - mean) * (b - mean))) / mean;
        var handshake = new Histogram();
        foreach (var r in live)
            handshake.Record((long)(r.HandshakeMs * 1000));
        var closed = new Histogram();
        foreach (var r in all)
            closed.Record((long)(r.ClosedAtMs * 1000));
        // How much later than the hint asked a page was live: timers, retries and the handshake's queueing.
        var late = new Histogram();
        foreach (var r in live.Where(r => r.HintMs is not null))
            late.Record((long)((r.LiveAtMs - r.ClosedAtMs - r.HintMs!.Value) * 1000));
        var hints = all.Where(r => r.HintMs is not null).Select(r => (double)r.HintMs!.Value).ToList();
        return new StormFigures(all.Count, live.Count, hints.Count, all.Count(r => r.CloseCode == 1012),
            hints.Count == 0 ? double.NaN : hints.Min(), hints.Count == 0 ? double.NaN : hints.Max(),
            last / 1000, buckets, bucketMs, buckets.Length == 0 ? 0 : buckets.Max(), buckets.Length == 0 ? 0 : buckets.Max() / even, cv,
            Enumerable.Range(0, instances).Select(i => live.Count(r => r.Instance == i)).ToArray(),
            handshake.Summary(), closed.Summary(), late.Summary(), live.Count(r => r.Attempts > 1), live.Count(r => r.ResumeComplete == true), live.Count(r => r.ResumeComplete is not null));
    }

    public string Text =>
        $"{Live} of {Pages} live again {AllLiveSeconds:0.00} s after SIGTERM; {Hinted} got a goaway (hint {HintMinMs:0}–{HintMaxMs:0} ms), {Closed1012} a 1012 " +
        $"(closed p50 {Closed.P50:0} max {Closed.Max:0} ms after SIGTERM); live later than the hint asked by p50 {Late.P50:0} p99 {Late.P99:0} ms; " +
        $"split {string.Join(" / ", PerInstance)}; reconnects per {BucketMs:0} ms: peak {PeakBucket} ({PeakToEven:0.00}× an even spread), CV {BucketCv:0.00} over the hint's window; " +
        $"handshake p50 {Handshake.P50:0.0} p99 {Handshake.P99:0.0} max {Handshake.Max:0} ms; {Retried} needed a retry; resumes complete {ResumesComplete} of {Resumes}";

    public string BucketText => string.Join(' ', PerBucket);
}
