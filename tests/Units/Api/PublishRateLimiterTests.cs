using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notifications.Api;
using Notifications.Configuration;

namespace Notifications.Tests.Units.Api;

public sealed class PublishRateLimiterTests
{
    private readonly FakeTimeProvider _clock = new();

    private PublishRateLimiter Limiter(double rate, int burst) =>
        new(Options.Create(new PublishApiOptions { RatePerSecond = rate, Burst = burst }), _clock);

    [Fact]
    public void A_key_may_publish_its_burst_then_at_its_rate()
    {
        var limiter = Limiter(rate: 10, burst: 100);

        Assert.True(limiter.TryTake("laravel", 100, out _));
        Assert.False(limiter.TryTake("laravel", 1, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(limiter.TryTake("laravel", 1, out _));
    }

    [Fact]
    public void A_batch_takes_all_its_tokens_or_none_and_is_told_when_it_would_fit()
    {
        var limiter = Limiter(rate: 10, burst: 100);
        Assert.True(limiter.TryTake("laravel", 95, out _));

        Assert.False(limiter.TryTake("laravel", 10, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);
        Assert.True(limiter.TryTake("laravel", 5, out _), "the refused batch took nothing");
    }

    [Fact]
    public void Each_key_name_has_its_own_bucket_and_none_holds_more_than_the_burst()
    {
        var limiter = Limiter(rate: 1, burst: 100);
        Assert.True(limiter.TryTake("laravel", 100, out _));
        Assert.True(limiter.TryTake("ci", 100, out _));

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.False(limiter.TryTake("laravel", 101, out _));
        Assert.True(limiter.TryTake("laravel", 100, out _));
    }
}
