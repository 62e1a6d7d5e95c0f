using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Api;

/// <summary>
/// A token bucket per key name on this instance (<c>PUBLISH_API_RATE_PER_SECOND</c> refill,
/// <c>PUBLISH_API_BURST</c> size). A request takes as many tokens as it has alerts, all or none, so a batch
/// is never half sent for want of tokens. There is no shared store: a fleet of N instances lets a key
/// publish up to N times the rate, each instance holding its own share.
/// </summary>
internal sealed class PublishRateLimiter(IOptions<PublishApiOptions> options, TimeProvider clock)
{
    private readonly double _rate = options.Value.RatePerSecond;
    private readonly int _burst = options.Value.Burst;
    // One per key name in the setting, so this cannot grow beyond the configuration.
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="count"/> tokens for the key if it has them; otherwise says how long until it will.</summary>
    public bool TryTake(string keyName, int count, out TimeSpan retryAfter) =>
        _buckets.GetOrAdd(keyName, _ => new Bucket(_burst, clock.GetTimestamp())).TryTake(count, _rate, _burst, clock, out retryAfter);

    private sealed class Bucket(double tokens, long refilledAt)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _refilledAt = refilledAt;

        public bool TryTake(int count, double rate, int capacity, TimeProvider clock, out TimeSpan retryAfter)
        {
            lock (_gate)
            {
                long now = clock.GetTimestamp();
                _tokens = Math.Min(capacity, _tokens + clock.GetElapsedTime(_refilledAt, now).TotalSeconds * rate);
                _refilledAt = now;
                if (_tokens >= count)
                {
                    _tokens -= count;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                retryAfter = TimeSpan.FromSeconds((count - _tokens) / rate);
                return false;
            }
        }
    }
}
