using System.Collections.Concurrent;
using Notifications.Channels;
using Notifications.Connections;

namespace Notifications.Tests.Units;

/// <summary>The registry's set of live connections: a walk sees exactly the members, whatever came and went before it.</summary>
public sealed class ConnectionSetTests
{
    private sealed class Member(long id) : ISetMember
    {
        public long Id { get; } = id;
        public int Slot { get; set; } = -1;
    }

    private struct Collect(List<Member> seen) : IChannelVisitor<Member>
    {
        public readonly bool Visit(Member connection)
        {
            seen.Add(connection);
            return connection.Id % 2 == 0;
        }
    }

    private struct RemoveWhileWalking(ConnectionSet<Member> set) : IChannelVisitor<Member>
    {
        public readonly bool Visit(Member connection) => set.Remove(connection);
    }

    private static List<Member> Walk(ConnectionSet<Member> set, out int took)
    {
        var seen = new List<Member>();
        var visitor = new Collect(seen);
        took = set.Visit(ref visitor);
        return seen;
    }

    [Fact]
    public void A_walk_sees_each_member_once_and_counts_those_that_took_it()
    {
        var set = new ConnectionSet<Member>();
        var members = Enumerable.Range(1, 100).Select(i => new Member(i)).ToList();
        members.ForEach(m => set.Add(m));

        var seen = Walk(set, out int took);

        Assert.Equal(members.Select(m => m.Id).Order(), seen.Select(m => m.Id).Order());
        Assert.Equal(50, took);
    }

    [Fact]
    public void After_a_storm_leaves_a_walk_sees_only_who_stayed_and_the_room_is_given_back()
    {
        var set = new ConnectionSet<Member>();
        int empty = set.Capacity;
        var storm = Enumerable.Range(1, 10_000).Select(i => new Member(i)).ToList();
        storm.ForEach(m => set.Add(m));
        Assert.True(set.Capacity >= 10_000);
        var stay = storm.Where(m => m.Id % 1000 == 7).ToList();
        foreach (var member in storm.Except(stay))
            Assert.True(set.Remove(member));

        var seen = Walk(set, out _);

        Assert.Equal(stay.Select(m => m.Id), seen.Select(m => m.Id).Order());
        Assert.All(storm.Except(stay), m => Assert.Equal(-1, m.Slot));
        Assert.Equal(empty, set.Capacity);
        // Every member can still leave from wherever the removals moved it.
        foreach (var member in stay)
            Assert.True(set.Remove(member));
        Assert.Empty(Walk(set, out _));
        Assert.Empty(set.Snapshot());
    }

    [Fact]
    public void Adding_a_member_twice_or_removing_it_twice_or_one_never_added_changes_nothing()
    {
        var set = new ConnectionSet<Member>();
        var a = new Member(1);
        var b = new Member(17); // the same shard as a
        Assert.True(set.Add(a));
        Assert.True(set.Add(b));
        Assert.False(set.Add(a));
        Assert.Equal(2, set.Snapshot().Count);

        Assert.True(set.Remove(a));
        Assert.False(set.Remove(a));
        Assert.False(set.Remove(new Member(33)));

        Assert.Equal([b], Walk(set, out _));
    }

    [Fact]
    public void A_snapshot_is_a_copy_that_work_may_end_connections_over()
    {
        var set = new ConnectionSet<Member>();
        var members = Enumerable.Range(1, 40).Select(i => new Member(i)).ToList();
        members.ForEach(m => set.Add(m));

        foreach (var member in set.Where(m => m.Id % 4 == 0))
            Assert.True(set.Remove(member));

        Assert.Equal(30, set.Snapshot().Count);
        Assert.DoesNotContain(Walk(set, out _), m => m.Id % 4 == 0);
    }

    [Fact]
    public async Task Adds_and_removes_from_many_threads_under_walks_leave_exactly_the_members_that_stayed()
    {
        var set = new ConnectionSet<Member>();
        var stayed = new ConcurrentBag<Member>();
        using var walking = new CancellationTokenSource();
        var walker = Task.Run(() =>
        {
            while (!walking.IsCancellationRequested)
                Walk(set, out _);
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            for (int batch = 0; batch < 50; batch++)
            {
                var members = Enumerable.Range(0, 100).Select(i => new Member(thread * 1_000_000L + batch * 100 + i)).ToList();
                members.ForEach(m => set.Add(m));
                foreach (var member in members.OrderBy(_ => Random.Shared.Next()))
                {
                    if (member.Id % 3 == 0)
                        stayed.Add(member);
                    else
                        Assert.True(set.Remove(member));
                }
            }
        }, TestContext.Current.CancellationToken)));
        walking.Cancel();
        await walker;

        Assert.Equal(stayed.Select(m => m.Id).Order(), Walk(set, out _).Select(m => m.Id).Order());
    }

    [Fact]
    public void A_visitor_that_removes_what_it_walks_is_refused_rather_than_skipping_members()
    {
        var set = new ConnectionSet<Member>();
        set.Add(new Member(1));
        var visitor = new RemoveWhileWalking(set);

        Assert.Throws<InvalidOperationException>(() => set.Visit(ref visitor));
    }
}
