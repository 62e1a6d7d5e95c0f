using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Notifications.Connections;

namespace Notifications.Tests.Units;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void A_full_bucket_allows_a_burst_then_refills_at_the_rate()
    {
        var bucket = new TokenBucket(ratePerSecond: 2, capacity: 3, _clock);

        Assert.True(bucket.TryTake(out _));
        Assert.True(bucket.TryTake(out _));
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);

        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(bucket.TryTake(out _));
        _clock.Advance(TimeSpan.FromHours(1));
        for (int i = 0; i < 3; i++)
            Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out _)); // never more than its capacity
    }
}

public sealed class OriginPolicyTests
{
    private static readonly HostString Host = new("notify.example.com");

    [Theory]
    [InlineData(null, null, true)] // not a browser
    [InlineData("https://notify.example.com", null, true)] // its own origin, even with another scheme than the proxy forwards
    [InlineData("http://localhost:3000", null, true)]
    [InlineData("http://127.0.0.1:8080", null, true)]
    [InlineData("https://evil.example", null, false)]
    [InlineData("https://notify.example.com.evil.example", null, false)]
    [InlineData("null", null, false)] // sandboxed frames and file: pages
    [InlineData("https://app.example.com", "https://app.example.com/", true)]
    [InlineData("https://APP.example.com", "https://app.example.com", true)]
    [InlineData("https://evil.example", "*", true)]
    public void Decides_by_the_rules_in_the_README(string? origin, string? setting, bool allowed) =>
        Assert.Equal(allowed, OriginPolicy.Parse(setting).Allows(origin, Host));
}
