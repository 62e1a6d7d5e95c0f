using Microsoft.Extensions.Time.Testing;
using Notifications.Delivery;
using Notifications.Messages;

namespace Notifications.Tests.Units;

public sealed class RecentAlertsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(T0);

    private static AlertMessage Alert(string id, double sentSeconds) => new(id, id, "ams", "i", T0.AddSeconds(sentSeconds));

    private static string[] Texts(List<byte[]> frames) =>
        frames.Select(f => System.Text.Json.JsonDocument.Parse(f).RootElement.GetProperty("text").GetString()!).ToArray();

    private RecentAlerts With(params AlertMessage[] alerts)
    {
        var recent = new RecentAlerts(100, TimeSpan.FromMinutes(5), _clock);
        foreach (var alert in alerts)
            recent.Add(alert, Frames.Alert(alert));
        return recent;
    }

    [Fact]
    public void Since_returns_what_arrived_after_the_last_seen_alert_in_send_order()
    {
        var recent = With(Alert("a", 1), Alert("b", 2), Alert("d", 4), Alert("c", 3));

        var (found, frames) = recent.Since("b", TimeSpan.Zero);

        Assert.True(found);
        Assert.Equal(["c", "d"], Texts(frames));
    }

    [Fact]
    public void Since_also_returns_alerts_sent_within_the_slack_before_the_last_seen_one_because_another_instance_may_have_ordered_them_later()
    {
        // Here "x" (sent at 9 s) arrived before "last" (sent at 10 s); on the client's old instance it came after.
        var recent = With(Alert("old", 1), Alert("x", 9), Alert("last", 10), Alert("y", 11));

        Assert.Equal(["x", "y"], Texts(recent.Since("last", TimeSpan.FromSeconds(5)).Frames));
        Assert.Equal(["y"], Texts(recent.Since("last", TimeSpan.Zero).Frames));
    }

    [Fact]
    public void An_unknown_id_returns_the_whole_window_and_says_so()
    {
        var recent = With(Alert("a", 1), Alert("b", 2));

        var (found, frames) = recent.Since("zzz", TimeSpan.FromSeconds(10));

        Assert.False(found);
        Assert.Equal(["a", "b"], Texts(frames));
    }

    [Fact]
    public void The_window_forgets_by_count_and_by_age()
    {
        var recent = new RecentAlerts(3, TimeSpan.FromSeconds(60), _clock);
        foreach (var id in new[] { "a", "b", "c", "d" })
            recent.Add(Alert(id, 0), Frames.Alert(Alert(id, 0)));

        Assert.False(recent.Since("a", TimeSpan.Zero).Found);
        Assert.Equal(["c", "d"], Texts(recent.Since("b", TimeSpan.Zero).Frames));

        _clock.Advance(TimeSpan.FromSeconds(61));
        var (found, frames) = recent.Since("d", TimeSpan.Zero);
        Assert.False(found);
        Assert.Empty(frames);
    }
}

public sealed class SeenIdsTests
{
    [Fact]
    public void Remembers_ids_up_to_its_capacity_forgetting_the_oldest_first()
    {
        var seen = new SeenIds(2);

        Assert.True(seen.Add("a"));
        Assert.False(seen.Add("a"));
        Assert.True(seen.Add("b"));
        Assert.True(seen.Add("c"));

        Assert.True(seen.Add("a"));
        Assert.False(seen.Add("c"));
    }
}
