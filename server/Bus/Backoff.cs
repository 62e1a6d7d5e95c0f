namespace Notifications.Bus;

/// <summary>Exponential backoff with full jitter: each wait is uniform in [0, min(cap, initial·2^attempt)].</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan cap, TimeProvider clock)
{
    private int _attempt;

    public void Reset() => _attempt = 0;

    public TimeSpan Next()
    {
        double ceiling = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    /// <summary>Waits the next delay; returns false instead of throwing when cancelled.</summary>
    public Task<bool> WaitAsync(CancellationToken cancellationToken) => clock.TryDelayAsync(Next(), cancellationToken);

    /// <summary>
    /// Waits the next delay, or less if <paramref name="wake"/> completes first (Pub/Sub answered another
    /// call again, so this retry need not wait out a long delay); false when cancelled.
    /// </summary>
    public Task<bool> WaitAsync(Task wake, CancellationToken cancellationToken) => clock.TryDelayAsync(Next(), wake, cancellationToken);
}
