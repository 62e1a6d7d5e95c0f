namespace Notifications.Connections;

/// <summary>
/// A token bucket: <c>capacity</c> tokens, refilled at <c>ratePerSecond</c>. Not thread-safe; each
/// connection's receive loop owns its own. Pure logic on a <see cref="TimeProvider"/>, tested with a fake clock.
/// </summary>
internal sealed class TokenBucket(double ratePerSecond, int capacity, TimeProvider clock, double? tokens = null)
{
    private double _tokens = Math.Min(capacity, tokens ?? capacity);
    private long _refilledAt = clock.GetTimestamp();

    /// <summary>The tokens there are now, fractions included.</summary>
    public double Level => LevelAt(clock.GetTimestamp());

    /// <summary>Takes a token if there is one; otherwise says how long until there will be.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        long now = clock.GetTimestamp();
        _tokens = LevelAt(now);
        _refilledAt = now;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            retryAfter = TimeSpan.Zero;
            return true;
        }
        retryAfter = TimeSpan.FromSeconds((1 - _tokens) / ratePerSecond);
        return false;
    }

    private double LevelAt(long now) => Math.Min(capacity, _tokens + clock.GetElapsedTime(_refilledAt, now).TotalSeconds * ratePerSecond);
}

/// <summary>
/// One policy for the requests that change a socket's channels or who it is (subscribe, unsubscribe, refresh,
/// sign-in), in every dialect: a reconnect's worth at once, then a few a second. A flood of them costs work
/// others wait for (replays, member lists, signatures), where a client needs a burst at connect and little after.
/// </summary>
internal static class RequestBudget
{
    public const double PerSecond = 10;
    public const int Burst = 100;

    /// <summary>A socket's bucket, with a burst of at least <paramref name="burstAtLeast"/> (a dialect whose sockets may join more channels at once).</summary>
    public static TokenBucket For(TimeProvider clock, int burstAtLeast = Burst) => new(PerSecond, Math.Max(Burst, burstAtLeast), clock);
}
