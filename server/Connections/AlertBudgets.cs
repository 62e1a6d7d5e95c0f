using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Connections;

/// <summary>
/// What sockets from one address (its <see cref="Admission.AddressGroup"/>) left of their alert budget when they
/// closed, on this instance, so that reconnecting does not refill a burst: a socket opened after such a close starts
/// from the least they left, refilled at <c>ALERT_RATE_PER_SECOND</c> for the time since, not from a full
/// <c>ALERT_BURST</c>. Each socket gets its own copy (sockets held at once were always MAX_CONNECTIONS_PER_IP bursts),
/// and one open before the close keeps its own. An entry lasts only until it would be full again; the map holds
/// about <see cref="MaxAddresses"/> at most, past which a flood from that many addresses gets fresh budgets, as
/// before, rather than memory or a sweep per close.
/// </summary>
internal sealed class AlertBudgets(IOptions<ConnectionOptions> options, TimeProvider clock)
{
    public const int MaxAddresses = 100_000;
    // Entries full again are swept once per this many recorded closes, by one thread at a time.
    public const int SweepEvery = 1024;

    private readonly double _rate = options.Value.AlertRatePerSecond;
    private readonly int _burst = options.Value.AlertBurst;
    private readonly ConcurrentDictionary<string, Left> _left = new(StringComparer.Ordinal);
    private int _recorded, _sweeping;
    // Entries at the last sweep plus those recorded since (updates included): never under the true count, and cheap to read.
    private int _entries;

    private readonly record struct Left(double Tokens, long At);

    public int Count => _left.Count;

    /// <summary>A budget for a socket from <paramref name="address"/> opened at <paramref name="openedAt"/> (a timestamp).</summary>
    public TokenBucket Start(string address, long openedAt) =>
        new(_rate, _burst, clock,
            _left.TryGetValue(Admission.AddressGroup(address), out var left) && left.At <= openedAt ? Refilled(left) : _burst);

    /// <summary>A socket from <paramref name="address"/> closed, leaving <paramref name="budget"/> (null if it sent no alert).</summary>
    public void Closed(string address, TokenBucket? budget)
    {
        double level = budget?.Level ?? _burst;
        if (level >= _burst)
            return;
        if (Interlocked.Increment(ref _recorded) % SweepEvery == 0)
            Sweep();
        if (Volatile.Read(ref _entries) >= MaxAddresses)
            return;
        Interlocked.Increment(ref _entries);
        var now = new Left(level, clock.GetTimestamp());
        _left.AddOrUpdate(Admission.AddressGroup(address), now, (_, old) => Refilled(old) <= now.Tokens ? old : now);
    }

    private double Refilled(Left left) => Math.Min(_burst, left.Tokens + clock.GetElapsedTime(left.At).TotalSeconds * _rate);

    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
            return;
        try
        {
            foreach (var (address, left) in _left)
            {
                if (Refilled(left) >= _burst)
                    _left.TryRemove(new KeyValuePair<string, Left>(address, left));
            }
            Volatile.Write(ref _entries, _left.Count);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
