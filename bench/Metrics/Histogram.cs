using System.Numerics;

namespace Notifications.Bench.Metrics;

/// <summary>
/// A log-linear histogram of microseconds, HDR style: exact below 64 µs, then 32 sub-buckets per power
/// of two (at most ~3 % error). Not thread-safe: each thread records into its own (see <see cref="Recorder"/>).
/// </summary>
internal sealed class Histogram
{
    private const int SubBits = 5, Sub = 1 << SubBits, Linear = 2 * Sub;
    private readonly long[] _counts = new long[Linear + (63 - SubBits) * Sub];

    public long Count { get; private set; }
    public long MaxMicros { get; private set; }
    public double SumMicros { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0)
            micros = 0;
        _counts[Index(micros)]++;
        Count++;
        SumMicros += micros;
        if (micros > MaxMicros)
            MaxMicros = micros;
    }

    public void Add(Histogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
            _counts[i] += other._counts[i];
        Count += other.Count;
        SumMicros += other.SumMicros;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in microseconds: the upper edge of its bucket, capped at the max seen.</summary>
    public long Percentile(double q)
    {
        if (Count == 0)
            return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count)), seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return Math.Min(UpperEdge(i), MaxMicros);
        }
        return MaxMicros;
    }

    public LatencySummary Summary() => new(Count, Percentile(0.5) / 1000.0, Percentile(0.9) / 1000.0,
        Percentile(0.99) / 1000.0, Percentile(0.999) / 1000.0, MaxMicros / 1000.0, Count == 0 ? 0 : SumMicros / Count / 1000.0);

    private static int Index(long v)
    {
        if (v < Linear)
            return (int)v;
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)v); // >= SubBits + 1
        int shift = exponent - SubBits;
        return Linear + (exponent - SubBits - 1) * Sub + (int)((v >> shift) - Sub);
    }

    private static long UpperEdge(int index)
    {
        if (index < Linear)
            return index;
        int block = (index - Linear) / Sub, offset = (index - Linear) % Sub;
        int shift = block + 1;
        return ((Sub + offset + 1L) << shift) - 1;
    }
}

/// <summary>Latency percentiles in milliseconds, as the table and the JSON show them.</summary>
internal sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public override string ToString() => Count == 0 ? "no samples"
        : $"p50 {Ms(P50)} p90 {Ms(P90)} p99 {Ms(P99)} p99.9 {Ms(P999)} max {Ms(Max)} ms";

    public static string Ms(double ms) => ms < 10 ? ms.ToString("0.00") : ms.ToString("0");
}

/// <summary>One histogram per recording thread, merged on demand: recording never takes a lock or an interlocked op.</summary>
internal sealed class Recorder
{
    private readonly ThreadLocal<Histogram> _local = new(() => new Histogram(), trackAllValues: true);

    public void Record(long micros) => _local.Value!.Record(micros);

    public Histogram Merge()
    {
        var merged = new Histogram();
        foreach (var h in _local.Values)
            merged.Add(h);
        return merged;
    }
}
