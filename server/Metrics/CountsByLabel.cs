using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Notifications.Metrics;

/// <summary>
/// Counts by label value (or a tuple of them), each a plain field bumped with one interlocked add. An
/// instrument's listener does work on every measurement (the Prometheus adapter sorts the tags and
/// looks up the series each time); these are read whole, only when someone asks: at a scrape, or for
/// the connection summary in the log.
/// </summary>
internal sealed class CountsByLabel<TKey> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, StrongBox<long>> _counts = new();

    public void Add(TKey key, long count = 1) =>
        Interlocked.Add(ref _counts.GetOrAdd(key, static _ => new StrongBox<long>()).Value, count);

    /// <summary>Every count so far, by key.</summary>
    public Dictionary<TKey, long> Read()
    {
        var counts = new Dictionary<TKey, long>();
        foreach (var (key, count) in _counts)
            counts[key] = Volatile.Read(ref count.Value);
        return counts;
    }

    /// <summary>Every count as a measurement of an observable counter, tagged by <paramref name="tags"/>.</summary>
    public IEnumerable<Measurement<long>> Measure(Func<TKey, KeyValuePair<string, object?>[]> tags) =>
        _counts.Select(pair => new Measurement<long>(Volatile.Read(ref pair.Value.Value), tags(pair.Key)));
}
