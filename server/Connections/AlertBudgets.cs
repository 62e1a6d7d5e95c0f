using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Connections;

/// <summary>
/// What sockets from one address (its <see cref="Admission.AddressGroup"/>) left of their alert budget when they
/// closed, so that reconnecting does not refill a burst: a new socket from the address starts from the least one
/// left, refilled at <c>ALERT_RATE_PER_SECOND</c> for the time since, not from a full <c>ALERT_BURST</c>. An entry
/// lasts only until it would be full again, and the map holds at most <see cref="MaxAddresses"/>: past that, a
/// flood from that many addresses at once gets fresh budgets, as before, rather than memory.
/// </summary>
internal sealed class AlertBudgets(IOptions<ConnectionOptions> options, TimeProvider clock)
{
    public const int MaxAddresses = 100_000;
    // Expired entries are swept once per this many closes that left something, so the map stays near what is live.
    private const int SweepEvery = 1024;

    private readonly double _rate = options.Value.AlertRatePerSecond;
    private readonly int _burst = options.Value.AlertBurst;
    private readonly ConcurrentDictionary<string, (double Tokens, long At)> _left = new(StringComparer.Ordinal);
    private int _sinceSweep;

    public int Count => _left.Count;

    /// <summary>A budget for a new socket from <paramref name="address"/>.</summary>
    public TokenBucket Start(string address) =>
        new(_rate, _burst, clock, _left.TryGetValue(Admission.AddressGroup(address), out var left) ? Refilled(left) : _burst);

    /// <summary>A socket from <paramref name="address"/> closed, leaving <paramref name="budget"/> (null if it sent no alert).</summary>
    public void Closed(string address, TokenBucket? budget)
    {
        if (budget is null || budget.Level >= _burst)
            return;
        if (Interlocked.Increment(ref _sinceSweep) % SweepEvery == 0 || _left.Count >= MaxAddresses)
            Sweep();
        if (_left.Count >= MaxAddresses)
            return;
        var now = (budget.Level, clock.GetTimestamp());
        _left.AddOrUpdate(Admission.AddressGroup(address), now, (_, old) => Refilled(old) <= now.Level ? old : now);
    }

    private double Refilled((double Tokens, long At) left) => Math.Min(_burst, left.Tokens + clock.GetElapsedTime(left.At).TotalSeconds * _rate);

    private void Sweep()
    {
        foreach (var (address, left) in _left)
        {
            if (Refilled(left) >= _burst)
                _left.TryRemove(new KeyValuePair<string, (double, long)>(address, left));
        }
    }
}
