using Microsoft.Extensions.Time.Testing;
using Notifications.Channels;
using Notifications.Messages;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LongAgo = T0.AddHours(-1);
    private readonly FakeTimeProvider _clock = new(T0);

    private static AlertMessage Alert(string id, double sentSeconds) => new(id, id, "ams", "i", T0.AddSeconds(sentSeconds));

    /// <summary>An alert with a time-ordered id, as our instances mint them.</summary>
    private static AlertMessage Timed(double sentSeconds, string text) =>
        new(AlertIds.New(T0.AddSeconds(sentSeconds)), text, "ams", "i", T0.AddSeconds(sentSeconds));

    private static string[] Texts(ChannelReplay replay) =>
        replay.Frames.Select(f => ServerFrames.AlertText(f)!).ToArray();

    private ChannelWindow Window(int perChannel = 100, int total = 1000) => new(perChannel, total, TimeSpan.FromMinutes(5), _clock);

    private static void Add(ChannelWindow window, string channel, AlertMessage alert) =>
        window.Add(channel, alert, SocketFrame.Text(Frames.Alert(alert)));

    [Fact]
    public void Since_returns_what_the_channel_got_after_the_last_seen_alert_and_nothing_of_other_channels()
    {
        var window = Window();
        Add(window, "team:1", Alert("a", 1));
        Add(window, "team:2", Alert("x", 2));
        Add(window, "team:1", Alert("b", 3));
        Add(window, "team:2", Alert("y", 4));
        Add(window, "team:1", Alert("c", 5));

        var replay = window.Since("team:1", "a", TimeSpan.Zero, LongAgo);

        Assert.True(replay.Complete);
        Assert.Equal(["b", "c"], Texts(replay));
    }

    [Fact]
    public void Alerts_sent_within_the_slack_before_the_last_one_are_replayed_too()
    {
        var window = Window();
        Add(window, "team:1", Alert("x", 9));
        Add(window, "team:1", Alert("last", 10));
        Add(window, "team:1", Alert("y", 11));

        Assert.Equal(["x", "y"], Texts(window.Since("team:1", "last", TimeSpan.FromSeconds(5), LongAgo)));
        Assert.Equal(["y"], Texts(window.Since("team:1", "last", TimeSpan.Zero, LongAgo)));
    }

    [Fact]
    public void An_id_from_another_channel_is_unknown_here_so_it_cannot_open_that_channel()
    {
        // A client resuming user:A with the id of an alert of user:B gets user:A's window, never B's.
        var window = Window();
        Add(window, "user:A", Alert("a1", 1));
        Add(window, "user:B", Alert("b1", 2));
        Add(window, "user:B", Alert("b2", 3));

        var replay = window.Since("user:A", "b1", TimeSpan.FromSeconds(10), LongAgo);

        Assert.False(replay.Complete);
        Assert.Equal(["a1"], Texts(replay));
        Assert.Empty(window.Since("team:none", "b1", TimeSpan.FromSeconds(10), LongAgo).Frames);
    }

    [Fact]
    public void A_busy_channel_cannot_push_a_quiet_channels_history_out()
    {
        var window = Window(perChannel: 3, total: 1000);
        Add(window, "user:quiet", Alert("q", 0));
        for (int i = 0; i < 50; i++)
            Add(window, "public:busy", Alert($"busy{i}", 1 + i * 0.01));

        Assert.Equal(["q"], Texts(window.Since("user:quiet", "missing", TimeSpan.Zero, LongAgo)));
        Assert.Equal(["busy48", "busy49"], Texts(window.Since("public:busy", "busy47", TimeSpan.Zero, LongAgo)));
        Assert.False(window.Since("public:busy", "busy10", TimeSpan.Zero, LongAgo).Complete);
        Assert.Equal(4, window.Count);
    }

    [Fact]
    public void The_total_bound_forgets_the_oldest_alerts_of_any_channel_and_drops_emptied_channels()
    {
        var window = Window(perChannel: 100, total: 10);
        for (int i = 0; i < 30; i++)
            Add(window, $"user:{i}", Alert($"u{i}", i));

        Assert.Equal(10, window.Count);
        Assert.Equal(10, window.ChannelCount);
        Assert.Empty(window.Since("user:0", "u0", TimeSpan.Zero, LongAgo).Frames);
        Assert.False(window.Since("user:0", "u0", TimeSpan.Zero, LongAgo).Complete);
        Assert.True(window.Since("user:29", "u29", TimeSpan.Zero, LongAgo).Complete);
    }

    [Fact]
    public void Alerts_age_out()
    {
        var window = Window();
        Add(window, "team:1", Alert("a", 0));
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Add(window, "team:1", Alert("b", 301));

        Assert.Equal(1, window.Count);
        Assert.False(window.Since("team:1", "a", TimeSpan.Zero, LongAgo).Complete);
    }

    [Fact]
    public void An_unseen_time_ordered_id_is_covered_once_the_instance_was_receiving_and_forgot_nothing_of_the_channel_since()
    {
        var window = Window(perChannel: 2);
        Add(window, "team:1", Timed(5, "at 5"));
        Add(window, "team:1", Timed(9, "at 9"));
        Add(window, "team:1", Timed(12, "at 12")); // "at 5" is forgotten
        Add(window, "team:2", Timed(1, "other"));

        var covered = window.Since("team:1", AlertIds.New(T0.AddSeconds(10)), TimeSpan.FromSeconds(2), receivingSince: T0);
        Assert.True(covered.Complete);
        Assert.Equal(["at 9", "at 12"], Texts(covered));

        Assert.False(window.Since("team:1", AlertIds.New(T0.AddSeconds(4)), TimeSpan.Zero, receivingSince: T0).Complete);
        Assert.False(window.Since("team:1", AlertIds.New(T0.AddSeconds(10)), TimeSpan.Zero, receivingSince: T0.AddSeconds(20)).Complete);
        // team:1's own cap dropped "at 5"; team:2 lost nothing to it, so it is not bound by it.
        Assert.True(window.Since("team:2", AlertIds.New(T0.AddSeconds(4)), TimeSpan.Zero, receivingSince: T0).Complete);
        Assert.True(window.Since("team:2", AlertIds.New(T0.AddSeconds(6)), TimeSpan.Zero, receivingSince: T0).Complete);
        // Forgetting more of team:1 later does not move team:2's bound.
        Add(window, "team:1", Timed(13, "at 13"));
        Assert.True(window.Since("team:2", AlertIds.New(T0.AddSeconds(6)), TimeSpan.Zero, receivingSince: T0).Complete);
    }

    [Fact]
    public void An_alert_that_arrived_long_after_it_was_sent_is_replayed_from_a_point_before_it_arrived_and_bounds_by_its_arrival_once_forgotten()
    {
        // "held" was accepted at 10 s and reached this instance at 95 s; a page last heard the fleet at 90 s.
        var window = Window(perChannel: 1);
        _clock.SetUtcNow(T0.AddSeconds(95));
        Add(window, "job:7", Timed(10, "held"));

        var replay = window.Since("job:7", AlertIds.New(T0.AddSeconds(90)), TimeSpan.FromSeconds(2), receivingSince: T0);
        Assert.True(replay.Complete);
        Assert.Equal(["held"], Texts(replay));

        Add(window, "job:7", Timed(96, "next")); // the cap forgets "held", which arrived at 95 s
        Assert.False(window.Since("job:7", AlertIds.New(T0.AddSeconds(90)), TimeSpan.Zero, receivingSince: T0).Complete);
        Assert.True(window.Since("job:7", AlertIds.New(T0.AddSeconds(95.5)), TimeSpan.Zero, receivingSince: T0).Complete);
    }

    [Fact]
    public void A_channel_with_no_history_left_judges_by_everything_this_window_forgot()
    {
        var window = Window(total: 10);
        for (int i = 0; i < 11; i++)
            Add(window, $"user:{i}", Timed(i, $"u{i}"));
        // user:0 is gone, and with it what it forgot; what any channel forgot (up to 0 s) bounds it.

        Assert.False(window.Since("user:0", AlertIds.New(T0), TimeSpan.Zero, receivingSince: LongAgo).Complete);
        var later = window.Since("user:0", AlertIds.New(T0.AddSeconds(0.5)), TimeSpan.Zero, receivingSince: LongAgo);
        Assert.True(later.Complete);
        Assert.Empty(later.Frames);
    }

    [Fact]
    public void A_busy_channel_at_its_cap_does_not_pile_up_bookkeeping()
    {
        var window = Window(perChannel: 5, total: 1000);
        for (int i = 0; i < 100_000; i++)
            Add(window, "public:busy", Alert($"b{i}", i * 0.001));

        Assert.Equal(5, window.Count);
        Assert.True(window.Since("public:busy", "b99998", TimeSpan.Zero, LongAgo).Complete);
        Assert.True(window.ArrivalCount <= 2 * window.Count + 64 + 1, $"{window.ArrivalCount} arrivals kept for {window.Count} alerts");
    }

    [Fact]
    public void A_busy_channel_at_its_cap_leaves_a_quiet_channels_resume_complete_and_a_channel_that_is_gone_does_not()
    {
        var window = Window(perChannel: 2);
        Add(window, "quiet", Timed(1, "q1"));
        for (int i = 0; i < 10; i++)
            Add(window, "busy", Timed(10 + i, $"b{i}"));

        // The quiet channel resumes from its own alert, and a channel with no log from a time id: both provably whole.
        Assert.True(window.Since("quiet", AlertIds.New(T0.AddSeconds(1)), TimeSpan.FromSeconds(3), LongAgo).Complete);
        Assert.True(window.Since("never", AlertIds.New(T0.AddSeconds(12)), TimeSpan.FromSeconds(3), LongAgo).Complete);
        Assert.False(window.Since("busy", AlertIds.New(T0.AddSeconds(12)), TimeSpan.FromSeconds(3), LongAgo).Complete);

        // Once the busy channel's log is gone altogether, what it forgot bounds every channel without a log.
        _clock.Advance(TimeSpan.FromMinutes(6));
        Add(window, "other", Timed(400, "o1"));
        Assert.False(window.Since("busy", AlertIds.New(T0.AddSeconds(12)), TimeSpan.FromSeconds(3), LongAgo).Complete);
    }
}
