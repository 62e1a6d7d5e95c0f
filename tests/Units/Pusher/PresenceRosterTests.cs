using Microsoft.Extensions.Time.Testing;
using Notifications.Pusher.Presence;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Rosters of several instances joined by an in-memory bus that the test delivers, drops or reorders at will.</summary>
public sealed class PresenceRosterTests
{
    private const string Room = "pusher:1:presence-room";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _clock = new();

    private sealed record Node(PresenceRoster Roster, RecordingOutlet Outlet)
    {
        /// <summary>What this instance told its subscribers, as <c>+user except socket</c>.</summary>
        public List<string> Said => [.. Outlet.Changes.Select(c => $"{(c.Change.Added ? "+" : "-")}{c.Change.Member.UserId}{(c.Except is null ? "" : " except " + c.Except)}")];
    }

    private Node Start(string instance, long epoch = 1)
    {
        var outlet = new RecordingOutlet();
        return new Node(new PresenceRoster(instance, epoch, outlet, _clock, Heartbeat), outlet);
    }

    /// <summary>Hands everything <paramref name="from"/> published so far to every node (itself included, as the topic does), then forgets it.</summary>
    private static void Deliver(Node from, params Node[] to)
    {
        var messages = from.Outlet.Published.ToList();
        from.Outlet.Published.Clear();
        foreach (var node in to.Append(from))
            foreach (var message in messages)
                Receive(node.Roster, message);
    }

    private static void Receive(PresenceRoster roster, object message)
    {
        switch (message)
        {
            case PresenceDelta d: roster.Receive(d); break;
            case PresenceStatePart p: roster.Receive(p); break;
            case PresenceStateRequest r: roster.Receive(r); break;
        }
    }

    private static string[] Users(Node node) => [.. node.Roster.Members(Room).Select(m => m.UserId).Order()];

    private static PresenceMember Member(string user) => new(user, null);

    [Fact]
    public void A_join_is_announced_once_on_every_instance_and_not_to_the_joining_socket()
    {
        var a = Start("a");
        var b = Start("b");

        var members = a.Roster.Join(Room, "s1", Member("u"));
        Deliver(a, b);

        Assert.Equal(["u"], members.Select(m => m.UserId));
        Assert.Equal(["+u except s1"], a.Said);
        Assert.Equal(["+u"], b.Said);
        Assert.Equal(["u"], Users(b));
    }

    [Fact]
    public void A_subscription_answer_made_while_the_channel_changed_is_made_again_with_the_change()
    {
        var a = Start("a");
        var b = Start("b");
        var answered = new List<string[]>();
        var sent = new List<string[]>();
        byte[] Answer(IReadOnlyCollection<PresenceMember> members)
        {
            answered.Add([.. members.Select(m => m.UserId).Order()]);
            if (answered.Count == 1)
            {
                // Another instance's user joins while the first answer is being made (outside the roster's lock).
                b.Roster.Join(Room, "s9", Member("v"));
                Deliver(b, a);
            }
            return [];
        }

        a.Roster.Join(Room, "s1", Member("u"), Answer, _ => sent.Add(answered[^1]));

        Assert.Equal([["u"], ["u", "v"]], answered);
        Assert.Equal([["u", "v"]], sent);
        // The join was announced to a's subscribers before the answer went out: the answer already holds it, and nothing comes after to undo it.
        Assert.Equal(["+u except s1", "+v"], a.Said);
    }

    [Fact]
    public void More_sockets_of_a_known_user_announce_nothing_and_the_user_leaves_with_the_last_one_anywhere()
    {
        var a = Start("a");
        var b = Start("b");
        a.Roster.Join(Room, "s1", Member("u"));
        Deliver(a, b);
        b.Roster.Join(Room, "s2", Member("u"));
        a.Roster.Join(Room, "s3", Member("u"));
        Deliver(b, a);
        a.Roster.Leave(Room, "s1", "u");
        a.Roster.Leave(Room, "s3", "u");
        Deliver(a, b);

        Assert.Equal(["+u except s1"], a.Said);
        Assert.Equal(["+u"], b.Said);
        Assert.Equal(["u"], Users(a));

        b.Roster.Leave(Room, "s2", "u");
        Deliver(b, a);

        Assert.Equal(["+u except s1", "-u"], a.Said);
        Assert.Equal(["+u", "-u except s2"], b.Said);
        Assert.Empty(Users(a));
    }

    [Fact]
    public void An_instance_that_starts_late_asks_for_the_state_at_the_first_heartbeat_and_gets_every_member()
    {
        var a = Start("a");
        a.Roster.Join(Room, "s1", Member("u"));
        a.Roster.Join(Room, "s2", Member("v"));
        a.Outlet.Published.Clear();                                         // published before c existed
        var c = Start("c");

        c.Roster.Receive(a.Roster.Heartbeat());
        Deliver(c, a);                                                      // c's request reaches a
        Deliver(a, c);                                                      // a's state reaches c

        Assert.Equal(["u", "v"], Users(c));
        Assert.Equal(["+u", "+v"], c.Said.Order());
    }

    [Fact]
    public void A_lost_delta_is_noticed_at_the_heartbeat_after_next_and_repaired_from_the_state()
    {
        var a = Start("a");
        var b = Start("b");
        a.Roster.Join(Room, "s1", Member("u"));
        Deliver(a, b);
        a.Roster.Join(Room, "s2", Member("v"));
        a.Outlet.Published.Clear();                                         // lost on the way
        a.Roster.Join(Room, "s3", Member("w"));
        Deliver(a, b);

        b.Roster.Receive(a.Roster.Heartbeat());
        Assert.Empty(b.Outlet.Published);                                   // it may still be on its way
        _clock.Advance(Heartbeat);
        b.Roster.Receive(a.Roster.Heartbeat());
        Deliver(b, a);
        Deliver(a, b);

        Assert.Equal(["u", "v", "w"], Users(b));
        Assert.Equal(["+u", "+w", "+v"], b.Said);
    }

    [Fact]
    public void State_requests_are_answered_once_per_heartbeat_interval()
    {
        var a = Start("a");
        a.Roster.Join(Room, "s1", Member("u"));
        a.Outlet.Published.Clear();

        a.Roster.Receive(new PresenceStateRequest("a", "b"));
        a.Roster.Receive(new PresenceStateRequest("a", "c"));
        int afterTwo = a.Outlet.Published.Count;
        _clock.Advance(Heartbeat);
        a.Roster.Receive(new PresenceStateRequest("a", "d"));

        Assert.Equal(1, afterTwo);
        Assert.Equal(2, a.Outlet.Published.Count);
    }

    [Fact]
    public void A_dead_instances_members_leave_and_a_restarted_instances_old_members_too()
    {
        var a = Start("a");
        var b = Start("b");
        a.Roster.Join(Room, "s1", Member("u"));
        Deliver(a, b);

        b.Roster.Forget("a");
        Assert.Equal(["+u", "-u"], b.Said);

        var b2 = Start("b2");
        a.Roster.Join(Room, "s2", Member("v"));
        Deliver(a, b2);
        var aRestarted = Start("a", epoch: 2);
        aRestarted.Roster.Join(Room, "s9", Member("x"));
        Deliver(aRestarted, b2);
        Assert.Equal(["x"], Users(b2));
    }

    [Fact]
    public void An_instance_ignores_its_own_messages_coming_back()
    {
        var a = Start("a");
        a.Roster.Join(Room, "s1", Member("u"));
        a.Roster.Leave(Room, "s1", "u");
        a.Roster.Join(Room, "s1", Member("u"));
        Deliver(a);

        Assert.Equal(["u"], Users(a));
        Assert.Equal(3, a.Said.Count);
    }
}
