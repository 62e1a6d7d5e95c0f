using Notifications.Pusher.Presence;

namespace Notifications.Tests.Units.Pusher;

/// <summary>The fleet view of presence: reordered, repeated, stale and lost bus messages, restarts and dead instances.</summary>
public sealed class PresenceLedgerTests
{
    private const string Room = "pusher:1:presence-room";

    private static PresenceDelta Join(string instance, long seq, string user, long epoch = 1, string channel = Room) =>
        new(instance, epoch, seq, channel, user, null, Present: true);

    private static PresenceDelta Leave(string instance, long seq, string user, long epoch = 1, string channel = Room) =>
        new(instance, epoch, seq, channel, user, null, Present: false);

    private static string[] Users(PresenceLedger ledger, string channel = Room) => [.. ledger.Members(channel).Select(m => m.UserId).Order()];

    private static string Describe(IReadOnlyList<PresenceChange> changes) =>
        string.Join(",", changes.Select(c => (c.Added ? "+" : "-") + c.Member.UserId));

    [Fact]
    public void A_user_appears_once_however_many_instances_hold_them_and_vanishes_with_the_last()
    {
        var ledger = new PresenceLedger();

        Assert.Equal("+u", Describe(ledger.Apply(Join("a", 1, "u"))));
        Assert.Equal("", Describe(ledger.Apply(Join("b", 1, "u"))));
        Assert.Equal("", Describe(ledger.Apply(Leave("a", 2, "u"))));
        Assert.Equal(["u"], Users(ledger));
        Assert.Equal("-u", Describe(ledger.Apply(Leave("b", 2, "u"))));
        Assert.Empty(Users(ledger));
        Assert.Equal(0, ledger.MemberCount(Room));
    }

    [Fact]
    public void A_repeated_delta_changes_nothing()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u"));
        ledger.Apply(Leave("a", 2, "u"));

        Assert.Equal("", Describe(ledger.Apply(Join("a", 1, "u"))));
        Assert.Equal("", Describe(ledger.Apply(Leave("a", 2, "u"))));
        Assert.Empty(Users(ledger));
    }

    [Fact]
    public void A_leave_that_overtakes_its_join_wins_when_the_join_arrives_late()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "x"));

        Assert.Equal("", Describe(ledger.Apply(Leave("a", 3, "u"))));
        Assert.Equal("", Describe(ledger.Apply(Join("a", 2, "u"))));
        Assert.Equal(["x"], Users(ledger));
    }

    [Fact]
    public void A_new_life_of_an_instance_replaces_the_old_one_and_an_old_lifes_late_message_is_ignored()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u", epoch: 1));
        ledger.Apply(Join("a", 2, "v", epoch: 1));

        Assert.Equal("+w,-u,-v", string.Join(",", Describe(ledger.Apply(Join("a", 1, "w", epoch: 2))).Split(',').Order()));
        Assert.Equal("", Describe(ledger.Apply(Join("a", 3, "z", epoch: 1))));
        Assert.Equal(["w"], Users(ledger));
    }

    [Fact]
    public void Forgetting_a_dead_instance_removes_only_the_users_nobody_else_holds()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u"));
        ledger.Apply(Join("a", 2, "v"));
        ledger.Apply(Join("b", 1, "v"));

        Assert.Equal("-u", Describe(ledger.Forget("a")));
        Assert.Equal(["v"], Users(ledger));
    }

    [Fact]
    public void A_state_dump_replaces_what_it_covers_and_keeps_newer_deltas()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "stale"));                                // the dump (as of 5) says it left; the leave was lost
        ledger.Apply(Join("a", 6, "newer"));                                // arrived before the dump: newer than it

        var changes = ledger.Apply(new PresenceState("a", 1, 5, [new(Room, "kept", null), new(Room, "newer-left", null)]));
        ledger.Apply(Leave("a", 4, "kept"));                                 // older than the dump: ignored

        Assert.Equal(["kept", "newer", "newer-left"], Users(ledger));
        Assert.Equal("+kept,+newer-left,-stale", string.Join(",", Describe(changes).Split(',').Order()));
        Assert.Equal("-newer-left", Describe(ledger.Apply(Leave("a", 7, "newer-left"))));
    }

    [Fact]
    public void An_older_state_dump_than_one_already_applied_is_ignored()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(new PresenceState("a", 1, 9, [new(Room, "u", null)]));

        Assert.Empty(ledger.Apply(new PresenceState("a", 1, 8, [])));
        Assert.Equal(["u"], Users(ledger));
    }

    [Fact]
    public void Several_instances_describing_a_user_differently_agree_on_the_first_instances_info()
    {
        var ledger = new PresenceLedger();
        var info = System.Text.Json.JsonDocument.Parse("""{"n":1}""").RootElement.Clone();
        ledger.Apply(new PresenceDelta("b", 1, 1, Room, "u", null, true));
        ledger.Apply(new PresenceDelta("a", 1, 1, Room, "u", info, true));

        Assert.Equal("""{"n":1}""", ledger.Members(Room).Single().UserInfo!.Value.GetRawText());
    }

    [Fact]
    public void Channels_lists_presence_channels_by_prefix_with_user_counts()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u", channel: "pusher:1:presence-a"));
        ledger.Apply(Join("a", 2, "v", channel: "pusher:1:presence-a"));
        ledger.Apply(Join("a", 3, "u", channel: "pusher:2:presence-b"));

        Assert.Equal([("pusher:1:presence-a", 2)], ledger.Channels("pusher:1:"));
    }

    [Fact]
    public void An_instance_followed_from_its_first_delta_needs_no_state_while_its_heartbeats_agree()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u"));
        ledger.Apply(Join("a", 2, "v"));
        ulong digest = PresenceDigest.Of(Room, "u") ^ PresenceDigest.Of(Room, "v");

        Assert.False(ledger.NeedsState(new PresenceHeartbeat("a", 1, 2, 2, digest)));
        Assert.False(ledger.NeedsState(new PresenceHeartbeat("a", 1, 2, 2, digest)));
    }

    [Fact]
    public void An_instance_first_heard_mid_life_needs_its_state_and_then_does_not()
    {
        var ledger = new PresenceLedger();

        Assert.True(ledger.NeedsState(new PresenceHeartbeat("a", 1, 40, 3, 123)));
        ledger.Apply(Join("a", 41, "late"));
        Assert.True(ledger.NeedsState(new PresenceHeartbeat("a", 1, 41, 4, 123)));

        ledger.Apply(new PresenceState("a", 1, 41, [new(Room, "late", null)]));
        Assert.False(ledger.NeedsState(new PresenceHeartbeat("a", 1, 41, 1, PresenceDigest.Of(Room, "late"))));
        Assert.False(ledger.NeedsState(new PresenceHeartbeat("b", 1, 0, 0, 0)));
    }

    [Fact]
    public void A_delta_still_missing_a_heartbeat_after_it_was_announced_calls_for_the_state()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u"));
        ledger.Apply(Join("a", 3, "w"));                                     // 2 was lost

        Assert.False(ledger.NeedsState(new PresenceHeartbeat("a", 1, 3, 3, 0)));   // it may still come
        Assert.True(ledger.NeedsState(new PresenceHeartbeat("a", 1, 3, 3, 0)));    // a heartbeat later it has not
    }

    [Fact]
    public void At_a_quiet_moment_sums_that_differ_from_the_instances_own_call_for_the_state()
    {
        var ledger = new PresenceLedger();
        ledger.Apply(Join("a", 1, "u"));

        Assert.True(ledger.NeedsState(new PresenceHeartbeat("a", 1, 1, 1, PresenceDigest.Of(Room, "someone-else"))));
        Assert.False(ledger.NeedsState(new PresenceHeartbeat("a", 1, 1, 1, PresenceDigest.Of(Room, "u"))));
    }
}
