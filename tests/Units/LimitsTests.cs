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

/// <summary>Reconnecting does not refill an address's alert burst; the record lasts until the budget would be full again.</summary>
public sealed class AlertBudgetsTests
{
    private readonly FakeTimeProvider _clock = new();

    private AlertBudgets Budgets() => new(Microsoft.Extensions.Options.Options.Create(
        new Notifications.Configuration.ConnectionOptions { AlertRatePerSecond = 2, AlertBurst = 4 }), _clock);

    [Fact]
    public void A_new_socket_from_the_address_starts_from_what_the_last_left_refilled_since()
    {
        var budgets = Budgets();
        var first = budgets.Start("203.0.113.7");
        for (int i = 0; i < 4; i++)
            Assert.True(first.TryTake(out _));
        budgets.Closed("203.0.113.7", first);

        Assert.False(budgets.Start("203.0.113.7").TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);
        Assert.True(budgets.Start("203.0.113.8").TryTake(out _)); // another address: its own budget
        _clock.Advance(TimeSpan.FromSeconds(1));
        var later = budgets.Start("203.0.113.7");
        Assert.Equal(2, later.Level, 3);
    }

    [Fact]
    public void An_IPv6_64_is_one_address_and_the_least_left_counts()
    {
        var budgets = Budgets();
        var spent = budgets.Start("2001:db8:1:2::a");
        for (int i = 0; i < 4; i++)
            spent.TryTake(out _);
        var barely = budgets.Start("2001:db8:1:2::b");
        barely.TryTake(out _);
        budgets.Closed("2001:db8:1:2::a", spent);
        budgets.Closed("2001:db8:1:2::b", barely); // left more: the emptier record stays

        Assert.Equal(0, budgets.Start("2001:db8:1:2:ffff::1").Level, 3);
    }

    [Fact]
    public void A_socket_that_sent_nothing_or_left_its_budget_full_is_not_kept_and_records_go_once_full_again()
    {
        var budgets = Budgets();
        budgets.Closed("203.0.113.7", null);
        budgets.Closed("203.0.113.7", budgets.Start("203.0.113.7"));
        Assert.Equal(0, budgets.Count);

        for (int i = 0; i < 2 * 1024; i++)
        {
            var bucket = budgets.Start($"10.0.{i / 256}.{i % 256}");
            bucket.TryTake(out _);
            budgets.Closed($"10.0.{i / 256}.{i % 256}", bucket);
            if (i == 1000)
                _clock.Advance(TimeSpan.FromSeconds(1)); // the first thousand are full again: swept at the next sweep
        }
        Assert.InRange(budgets.Count, 1, 2 * 1024 - 1000);
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
