using Microsoft.Extensions.Time.Testing;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Tests.Infrastructure;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

public sealed class RecentAlertsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LongAgo = T0.AddHours(-1);
    private readonly FakeTimeProvider _clock = new(T0);

    private static AlertMessage Alert(string id, double sentSeconds) => new(id, id, "ams", "i", T0.AddSeconds(sentSeconds));

    private static string[] Texts(List<SocketFrame> frames) =>
        frames.Select(f => ServerFrames.AlertText(f)!).ToArray();

    private RecentAlerts With(params AlertMessage[] alerts)
    {
        var recent = new RecentAlerts(100, TimeSpan.FromMinutes(5), _clock);
        foreach (var alert in alerts)
            recent.Add(alert, SocketFrame.Text(Frames.Alert(alert)), ..);
        return recent;
    }

    [Fact]
    public void Since_returns_what_arrived_after_the_last_seen_alert_in_send_order()
    {
        var recent = With(Alert("a", 1), Alert("b", 2), Alert("d", 4), Alert("c", 3));

        var (found, frames) = recent.Since("b", TimeSpan.Zero, LongAgo);

        Assert.True(found);
        Assert.Equal(["c", "d"], Texts(frames));
    }

    [Fact]
    public void Since_also_returns_alerts_sent_within_the_slack_before_the_last_seen_one_because_another_instance_may_have_ordered_them_later()
    {
        // Here "x" (sent at 9 s) arrived before "last" (sent at 10 s); on the client's old instance it came after.
        var recent = With(Alert("old", 1), Alert("x", 9), Alert("last", 10), Alert("y", 11));

        Assert.Equal(["x", "y"], Texts(recent.Since("last", TimeSpan.FromSeconds(5), LongAgo).Frames));
        Assert.Equal(["y"], Texts(recent.Since("last", TimeSpan.Zero, LongAgo).Frames));
    }

    [Fact]
    public void A_full_window_replays_the_frames_of_what_it_still_holds_after_its_slots_were_reused_large_frames_too()
    {
        var recent = new RecentAlerts(3, TimeSpan.FromMinutes(5), _clock);
        string large = new('L', 2 * RecentAlerts.SlotBytes);
        var alerts = new[] { Alert("a", 1), Alert("b", 2), Alert("c", 3), new(AlertIds.New(T0.AddSeconds(4)), large, "ams", "i", T0.AddSeconds(4)), Alert("e", 5) };
        foreach (var alert in alerts)
            recent.Add(alert, Frames.AlertFrame(alert), ..);

        var (found, frames) = recent.Since("c", TimeSpan.Zero, LongAgo);

        Assert.True(found);
        Assert.Equal([large, "e"], Texts(frames));
        Assert.Equal(Frames.AlertFrame(alerts[4]).Bytes, frames[1].Bytes);
        Assert.False(recent.Since("b", TimeSpan.Zero, LongAgo).Complete);
        // Resumes in a storm share one copy of each frame.
        Assert.Same(frames[1].Bytes, recent.Since("c", TimeSpan.Zero, LongAgo).Frames[1].Bytes);
    }

    [Fact]
    public void Frames_taken_out_of_a_broadcast_replay_as_each_alert_s_own_and_a_large_one_is_copied_out_unless_it_was_sent_alone()
    {
        var recent = new RecentAlerts(10, TimeSpan.FromMinutes(5), _clock);
        string large = new('L', 2 * RecentAlerts.SlotBytes);
        AlertMessage[] broadcast = [Alert("a", 1), new("b", large, "ams", "i", T0.AddSeconds(2)), Alert("c", 3)];
        Span<Range> places = new Range[broadcast.Length];
        var joined = Frames.AlertFrames(broadcast, places);
        for (int i = 0; i < broadcast.Length; i++)
            recent.Add(broadcast[i], joined, places[i]);
        var alone = new AlertMessage("d", large + "!", "ams", "i", T0.AddSeconds(4));
        var aloneFrame = Frames.AlertFrame(alone);
        recent.Add(alone, aloneFrame, ..);

        var (found, frames) = recent.Since("a", TimeSpan.Zero, LongAgo);

        Assert.True(found);
        Assert.Equal([large, "c", large + "!"], Texts(frames));
        Assert.Equal(Frames.AlertFrame(broadcast[1]).Bytes, frames[0].Bytes);
        Assert.Equal(1, frames[0].Count);
        Assert.Same(aloneFrame.Bytes, frames[2].Bytes);
    }

    [Fact]
    public void An_unknown_id_returns_the_whole_window_and_says_so()
    {
        var recent = With(Alert("a", 1), Alert("b", 2));

        var (found, frames) = recent.Since("zzz", TimeSpan.FromSeconds(10), LongAgo);

        Assert.False(found);
        Assert.Equal(["a", "b"], Texts(frames));
    }

    [Fact]
    public void The_window_forgets_by_count_and_by_age()
    {
        var recent = new RecentAlerts(3, TimeSpan.FromSeconds(60), _clock);
        foreach (var id in new[] { "a", "b", "c", "d" })
            recent.Add(Alert(id, 0), SocketFrame.Text(Frames.Alert(Alert(id, 0))), ..);

        Assert.False(recent.Since("a", TimeSpan.Zero, LongAgo).Complete);
        Assert.Equal(["c", "d"], Texts(recent.Since("b", TimeSpan.Zero, LongAgo).Frames));

        _clock.Advance(TimeSpan.FromSeconds(61));
        var (found, frames) = recent.Since("d", TimeSpan.Zero, LongAgo);
        Assert.False(found);
        Assert.Empty(frames);
    }

    [Fact]
    public void A_known_alert_whose_slack_reaches_back_into_what_the_window_let_go_is_not_complete()
    {
        var recent = new RecentAlerts(3, TimeSpan.FromMinutes(5), _clock);
        foreach (var alert in new[] { Alert("a", 1), Alert("b", 2), Alert("c", 3), Alert("d", 10) })
            recent.Add(alert, SocketFrame.Text(Frames.Alert(alert)), ..);

        // "a" (sent at 1 s) was let go: a client back from "b" with 5 s of slack may have missed it on its old instance.
        var fromB = recent.Since("b", TimeSpan.FromSeconds(5), LongAgo);
        Assert.False(fromB.Complete);
        Assert.Equal(["c", "d"], Texts(fromB.Frames));
        Assert.True(recent.Since("d", TimeSpan.FromSeconds(5), LongAgo).Complete);
    }

    [Fact]
    public void A_known_alert_from_before_a_subscription_was_made_again_is_not_complete()
    {
        var recent = With(Alert("a", 1), Alert("b", 20));

        // The subscription was lost and made again at 10 s: what was published in the gap never came.
        Assert.False(recent.Since("a", TimeSpan.Zero, LongAgo, missedUpTo: T0.AddSeconds(10)).Complete);
        Assert.True(recent.Since("b", TimeSpan.Zero, LongAgo, missedUpTo: T0.AddSeconds(10)).Complete);
        Assert.True(recent.Since("a", TimeSpan.Zero, LongAgo).Complete);
    }
}

public sealed class RecentAlertsCoverageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(T0);

    private static AlertMessage Alert(double sentSeconds) =>
        new(AlertIds.New(T0.AddSeconds(sentSeconds)), $"at {sentSeconds}", "ams", "i", T0.AddSeconds(sentSeconds));

    private static string Texts(List<SocketFrame> frames) =>
        string.Join(",", frames.Select(ServerFrames.AlertText));

    [Fact]
    public void Alert_ids_carry_their_send_time()
    {
        Assert.True(AlertIds.TryGetTime(AlertIds.New(T0), out var time));
        Assert.Equal(T0, time);
        Assert.False(AlertIds.TryGetTime("123456789", out _));
        Assert.False(AlertIds.TryGetTime(Guid.NewGuid().ToString(), out _)); // v4: no time inside
    }

    [Fact]
    public void A_resume_names_an_id_and_optionally_a_time_id_after_a_comma()
    {
        string id = AlertIds.New(T0), stamp = AlertIds.New(T0.AddSeconds(7));
        Assert.Equal((id, (string?)null), AlertIds.ResumePoints(id));
        Assert.Equal((id, (string?)stamp), AlertIds.ResumePoints($"{id},{stamp}"));
        // A foreign id with a comma in it is one point, unless what follows its last comma is a time id.
        Assert.Equal(("job,42", (string?)null), AlertIds.ResumePoints("job,42"));
        Assert.Equal(("job,42", (string?)stamp), AlertIds.ResumePoints($"job,42,{stamp}"));
        Assert.Equal(($",{stamp}", (string?)null), AlertIds.ResumePoints($",{stamp}"));
    }

    [Fact]
    public void An_id_never_seen_here_but_sent_after_this_instance_began_receiving_is_covered()
    {
        // The client saw "unseen" on another instance; this one subscribed at T0 and has what followed.
        var recent = new RecentAlerts(100, TimeSpan.FromMinutes(5), _clock);
        foreach (var alert in new[] { Alert(5), Alert(9), Alert(12) })
            recent.Add(alert, SocketFrame.Text(Frames.Alert(alert)), ..);
        string unseen = AlertIds.New(T0.AddSeconds(10));

        var (complete, frames) = recent.Since(unseen, TimeSpan.FromSeconds(2), receivingSince: T0);

        Assert.True(complete);
        Assert.Equal("at 9,at 12", Texts(frames));
    }

    [Fact]
    public void An_id_from_before_this_instance_subscribed_or_before_what_it_forgot_is_not_covered()
    {
        var recent = new RecentAlerts(2, TimeSpan.FromMinutes(5), _clock);
        foreach (var alert in new[] { Alert(20), Alert(30), Alert(40) }) // "at 20" is forgotten
            recent.Add(alert, SocketFrame.Text(Frames.Alert(alert)), ..);

        Assert.False(recent.Since(AlertIds.New(T0.AddSeconds(5)), TimeSpan.Zero, receivingSince: T0.AddSeconds(10)).Complete);
        Assert.False(recent.Since(AlertIds.New(T0.AddSeconds(15)), TimeSpan.Zero, receivingSince: T0).Complete);
        Assert.True(recent.Since(AlertIds.New(T0.AddSeconds(25)), TimeSpan.Zero, receivingSince: T0).Complete);
    }
    [Fact]
    public void An_alert_that_arrived_long_after_it_was_sent_is_replayed_to_a_client_that_left_before_it_arrived()
    {
        // "held" was accepted at 10 s but reached the topic at 95 s (its origin held it while Pub/Sub was away);
        // the client last heard this or another instance at 90 s, so it never got it.
        var recent = new RecentAlerts(100, TimeSpan.FromMinutes(5), _clock);
        _clock.SetUtcNow(T0.AddSeconds(80));
        var before = Alert(80);
        recent.Add(before, SocketFrame.Text(Frames.Alert(before)), ..);
        _clock.SetUtcNow(T0.AddSeconds(95));
        var held = Alert(10);
        recent.Add(held, SocketFrame.Text(Frames.Alert(held)), ..);
        _clock.SetUtcNow(T0.AddSeconds(96));

        var (complete, frames) = recent.Since(AlertIds.New(T0.AddSeconds(90)), TimeSpan.FromSeconds(2), receivingSince: T0);

        Assert.True(complete);
        Assert.Equal("at 10", Texts(frames));
    }

    [Fact]
    public void A_late_alert_that_arrived_here_just_before_the_client_s_last_one_is_replayed_with_it()
    {
        // Here "held" (sent at 10 s, published at 95 s) came a moment before "last"; on the client's old instance, after it.
        var recent = new RecentAlerts(100, TimeSpan.FromMinutes(5), _clock);
        _clock.SetUtcNow(T0.AddSeconds(95));
        var held = Alert(10);
        var last = Alert(95);
        recent.Add(held, SocketFrame.Text(Frames.Alert(held)), ..);
        recent.Add(last, SocketFrame.Text(Frames.Alert(last)), ..);

        var (complete, frames) = recent.Since(last.Id, TimeSpan.FromSeconds(2), receivingSince: T0);

        Assert.True(complete);
        Assert.Equal("at 10", Texts(frames));
    }

    [Fact]
    public void Forgetting_a_late_alert_bounds_resumes_by_when_it_arrived_not_when_it_was_sent()
    {
        var recent = new RecentAlerts(1, TimeSpan.FromMinutes(5), _clock);
        _clock.SetUtcNow(T0.AddSeconds(95));
        foreach (var alert in new[] { Alert(10), Alert(96) }) // "at 10" arrived at 95 s and is forgotten
            recent.Add(alert, SocketFrame.Text(Frames.Alert(alert)), ..);

        Assert.False(recent.Since(AlertIds.New(T0.AddSeconds(90)), TimeSpan.Zero, receivingSince: T0).Complete);
        Assert.True(recent.Since(AlertIds.New(T0.AddSeconds(95.5)), TimeSpan.Zero, receivingSince: T0).Complete);
    }
}

public sealed class SeenIdsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_ids_past_its_capacity_while_they_are_younger_than_a_minute_so_a_late_redelivery_is_still_caught()
    {
        var clock = new FakeTimeProvider(T0);
        var seen = new SeenIds(2, clock);
        for (int i = 0; i < 100; i++)
            Assert.True(seen.Add($"id-{i}"));
        clock.Advance(TimeSpan.FromSeconds(30));

        Assert.False(seen.Add("id-0"), "30 s later, after 100 more ids than the capacity, the first is still known");
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(seen.Add("new"));
        Assert.True(seen.Add("id-0"), "past the minute the oldest are let go, down to the capacity");
    }

    [Fact]
    public void Remembers_ids_up_to_its_capacity_and_forgets_the_oldest_first_once_they_are_a_minute_old()
    {
        var clock = new FakeTimeProvider(T0);
        var seen = new SeenIds(2, clock);

        Assert.True(seen.Add("a"));
        Assert.False(seen.Add("a"));
        Assert.True(seen.Add("b"));
        clock.Advance(SeenIds.Retain);
        Assert.True(seen.Add("c"));

        Assert.True(seen.Add("a"));
        Assert.False(seen.Add("c"));
    }

    [Fact]
    public void Tells_our_uuid_ids_apart_from_any_other_string_even_the_same_uuid_in_capitals()
    {
        var seen = new SeenIds(10, new FakeTimeProvider(T0));
        string id = AlertIds.New(DateTimeOffset.UnixEpoch);

        Assert.True(seen.Add(id));
        Assert.False(seen.Add(new string(id.AsSpan())));
        Assert.True(seen.Add(id.ToUpperInvariant()));
        Assert.False(seen.Add(id.ToUpperInvariant()));
        Assert.True(seen.Add("{" + id + "}"));
    }

    [Fact]
    public void Forgets_uuid_ids_oldest_first_as_it_forgets_other_ids()
    {
        var clock = new FakeTimeProvider(T0);
        var seen = new SeenIds(2, clock);
        string a = AlertIds.New(DateTimeOffset.UnixEpoch), b = AlertIds.New(DateTimeOffset.UnixEpoch);

        Assert.True(seen.Add(a));
        Assert.True(seen.Add("external-1"));
        clock.Advance(SeenIds.Retain);
        Assert.True(seen.Add(b));

        Assert.True(seen.Add(a));
        Assert.False(seen.Add(b));
    }
}

public sealed class AlertKeyTests
{
    [Fact]
    public void Keys_sort_and_compare_as_their_ids_do_ordinally_uuids_and_other_ids_mixed()
    {
        var ids = Enumerable.Range(0, 200).Select(i => Guid.NewGuid().ToString())
            .Concat(["external-1", "0", "zzz", "FFFFFFFF-0000-0000-0000-000000000000", "7fffffff-ffff-ffff-ffff-ffffffffffff", "80000000-8000-8000-8000-800000000000"])
            .ToList();

        var byKey = ids.OrderBy(AlertKey.Of).ToList();

        Assert.Equal(ids.Order(StringComparer.Ordinal), byKey);
        Assert.All(ids, id => Assert.Equal(id, AlertKey.Of(id).ToString()));
        Assert.NotEqual(AlertKey.Of(ids[0]), AlertKey.Of(ids[0].ToUpperInvariant()));
        Assert.Equal(AlertKey.Of(ids[0]), AlertKey.Of(new string(ids[0].AsSpan())));
    }
}
