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

    private TokenBucket Spent(AlertBudgets budgets, string address, int alerts)
    {
        var bucket = budgets.Start(address, _clock.GetTimestamp());
        for (int i = 0; i < alerts; i++)
            Assert.True(bucket.TryTake(out _));
        return bucket;
    }

    [Fact]
    public void A_socket_opened_after_the_address_spent_its_burst_starts_from_what_was_left_refilled_since()
    {
        var budgets = Budgets();
        long openedBefore = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        budgets.Closed("203.0.113.7", Spent(budgets, "203.0.113.7", 4));

        Assert.False(budgets.Start("203.0.113.7", _clock.GetTimestamp()).TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);
        Assert.Equal(4, budgets.Start("203.0.113.7", openedBefore).Level, 3); // open already: its own budget
        Assert.Equal(4, budgets.Start("203.0.113.8", _clock.GetTimestamp()).Level, 3); // another address
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, budgets.Start("203.0.113.7", _clock.GetTimestamp()).Level, 3);
    }

    [Fact]
    public void An_IPv6_64_is_one_address_and_the_least_left_counts()
    {
        var budgets = Budgets();
        var spent = Spent(budgets, "2001:db8:1:2::a", 4);
        var barely = Spent(budgets, "2001:db8:1:2::b", 1);
        budgets.Closed("2001:db8:1:2::b", barely);
        Assert.Equal(3, budgets.Start("2001:db8:1:2:ffff::1", _clock.GetTimestamp()).Level, 3);
        budgets.Closed("2001:db8:1:2::a", spent); // left less: it replaces the record
        budgets.Closed("2001:db8:1:2::b", barely); // left more: the emptier record stays

        Assert.Equal(0, budgets.Start("2001:db8:1:2:ffff::1", _clock.GetTimestamp()).Level, 3);
    }

    [Fact]
    public void A_socket_that_sent_nothing_or_left_its_budget_full_is_not_kept_and_records_go_once_full_again()
    {
        var budgets = Budgets();
        budgets.Closed("203.0.113.7", null);
        budgets.Closed("203.0.113.7", budgets.Start("203.0.113.7", _clock.GetTimestamp()));
        Assert.Equal(0, budgets.Count);

        for (int i = 0; i < 2 * AlertBudgets.SweepEvery; i++)
        {
            budgets.Closed($"10.0.{i / 256}.{i % 256}", Spent(budgets, $"10.0.{i / 256}.{i % 256}", 1));
            if (i == 1000)
                _clock.Advance(TimeSpan.FromSeconds(1)); // the first 1,001 are full again
        }
        // The sweep before the 1,024th record took the 1,001; the one before the 2,048th found nothing full.
        Assert.Equal(2 * AlertBudgets.SweepEvery - 1001, budgets.Count);
        Assert.Equal(3, budgets.Start("10.0.7.255", _clock.GetTimestamp()).Level, 3);
    }

    [Fact]
    public void Past_its_bound_the_map_records_no_more_addresses()
    {
        var budgets = Budgets();
        for (int i = 0; i < AlertBudgets.MaxAddresses + 50; i++)
            budgets.Closed($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}", Spent(budgets, $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}", 1));

        Assert.Equal(AlertBudgets.MaxAddresses, budgets.Count);
        int last = AlertBudgets.MaxAddresses + 49;
        Assert.Equal(4, budgets.Start($"10.{last >> 16}.{(last >> 8) & 255}.{last & 255}", _clock.GetTimestamp()).Level, 3);
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
