using Notifications.Channels;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelIndexTests
{
    internal sealed class Member(int id)
    {
        public int Id { get; } = id;

        public override string ToString() => $"m{Id}";
    }

    /// <summary>Collects whom a visit reached; a member reached twice in one visit fails the test.</summary>
    private struct Collect(List<Member> seen) : IChannelVisitor<Member>
    {
        public readonly bool Visit(Member member)
        {
            Assert.DoesNotContain(member, seen);
            seen.Add(member);
            return member.Id % 2 == 0;
        }
    }

    private struct Count : IChannelVisitor<Member>
    {
        public int Visited;

        public bool Visit(Member member)
        {
            Visited++;
            return true;
        }
    }

    private static List<Member> Members(ChannelIndex<Member> index, string channel)
    {
        var seen = new List<Member>();
        var visitor = new Collect(seen);
        index.Visit(channel, ref visitor);
        return seen;
    }

    [Fact]
    public void Visits_exactly_the_members_of_one_channel_and_reports_how_many_took_it()
    {
        var index = new ChannelIndex<Member>();
        var members = Enumerable.Range(0, 40).Select(i => new Member(i)).ToArray();
        foreach (var m in members)
            index.Join(m.Id < 30 ? "team:a" : "team:b", m);

        var visitor = new Collect([]);
        Assert.Equal(15, index.Visit("team:a", ref visitor));
        Assert.Equal(members.Take(30).ToHashSet(), Members(index, "team:a").ToHashSet());
        Assert.Equal(members.Skip(30).ToHashSet(), Members(index, "team:b").ToHashSet());
        Assert.Empty(Members(index, "team:c"));
    }

    [Fact]
    public void Joining_twice_and_leaving_what_was_never_joined_are_refused()
    {
        var index = new ChannelIndex<Member>();
        var (a, b) = (new Member(1), new Member(2));
        Assert.True(index.Join("x", a));
        Assert.False(index.Join("x", a));
        Assert.False(index.Leave("x", b));
        Assert.False(index.Leave("y", a));
        Assert.True(index.Leave("x", a));
        Assert.False(index.Leave("x", a));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(200)]
    public void Membership_stays_right_through_any_order_of_joins_and_leaves_at_every_size(int size)
    {
        var index = new ChannelIndex<Member>();
        var members = Enumerable.Range(0, size).Select(i => new Member(i)).ToList();
        var expected = new HashSet<Member>();
        var random = new Random(size);
        for (int step = 0; step < size * 20; step++)
        {
            var m = members[random.Next(size)];
            if (random.Next(2) == 0)
                Assert.Equal(expected.Add(m), index.Join("c", m));
            else
                Assert.Equal(expected.Remove(m), index.Leave("c", m));
            Assert.Equal(expected.Count, index.CountOf("c"));
        }
        Assert.Equal(expected, Members(index, "c").ToHashSet());
        Assert.All(members, m => Assert.Equal(expected.Contains(m), index.Contains("c", m)));
    }

    [Fact]
    public void An_emptied_channel_is_removed()
    {
        var index = new ChannelIndex<Member>();
        var m = new Member(1);
        index.Join("user:1", m);
        Assert.Equal(1, index.ChannelCount);
        index.Leave("user:1", m);
        Assert.Equal(0, index.ChannelCount);
    }

    [Fact]
    public void A_visitor_may_not_change_the_channel_it_visits()
    {
        var index = new ChannelIndex<Member>();
        index.Join("c", new Member(1));
        var visitor = new Meddle(index);
        Assert.Throws<InvalidOperationException>(() => index.Visit("c", ref visitor));
        Assert.Equal(1, index.CountOf("c"));
    }

    private readonly struct Meddle(ChannelIndex<Member> index) : IChannelVisitor<Member>
    {
        public bool Visit(Member member) => index.Join("c", new Member(2));
    }

    /// <summary>Crowded channels exercise the member sets; sparse ones are emptied, removed and made again all the time, while other threads join them.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData(3, 50, 400)]
    [InlineData(32, 4, 5000)]
    [InlineData(1, 1, 200_000)]
    public async Task Joins_and_leaves_on_many_threads_while_visiting_lose_no_member_and_invent_none(int channelCount, int perThread, int rounds)
    {
        var index = new ChannelIndex<Member>();
        var channels = Enumerable.Range(0, channelCount).Select(c => $"c{c}").ToArray();
        const int Threads = 4;
        var finalState = new bool[Threads * perThread, channels.Length];
        using var stop = new CancellationTokenSource();
        int visits = 0;
        var visiting = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var channel in channels)
                    Members(index, channel); // Collect fails on a member reached twice
                visits++;
            }
        }, TestContext.Current.CancellationToken);
        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            var mine = Enumerable.Range(0, perThread).Select(i => new Member(t * perThread + i)).ToArray();
            var joined = new bool[perThread, channels.Length];
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (m, i) in mine.Select((m, i) => (m, i)))
                {
                    int c = random.Next(channels.Length);
                    bool ok = joined[i, c] ? index.Leave(channels[c], m) : index.Join(channels[c], m);
                    Assert.True(ok, "a join or leave found the membership other than this thread left it");
                    joined[i, c] = !joined[i, c];
                }
            }
            for (int i = 0; i < perThread; i++)
                for (int c = 0; c < channels.Length; c++)
                    finalState[t * perThread + i, c] = joined[i, c];
        })).ToArray();
        await Task.WhenAll(workers);
        await stop.CancelAsync();
        await visiting;

        Assert.True(visits > 0);
        for (int c = 0; c < channels.Length; c++)
        {
            var expected = Enumerable.Range(0, Threads * perThread).Where(id => finalState[id, c]).ToHashSet();
            Assert.Equal(expected, Members(index, channels[c]).Select(m => m.Id).ToHashSet());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Once_a_leave_returns_no_visit_that_starts_after_it_reaches_the_member()
    {
        var index = new ChannelIndex<Member>();
        var others = Enumerable.Range(1, 100).Select(i => new Member(i)).ToArray();
        foreach (var m in others)
            index.Join("c", m);
        for (int trial = 0; trial < 200; trial++)
        {
            var leaver = new Member(-trial - 1);
            index.Join("c", leaver);
            int left = 0;
            var visitor = Task.Run(() =>
            {
                for (int i = 0; i < 50; i++)
                {
                    bool leftBefore = Volatile.Read(ref left) == 1;
                    bool reached = Members(index, "c").Contains(leaver);
                    Assert.False(leftBefore && reached, "a visit that began after the leave returned still reached the member");
                }
            }, TestContext.Current.CancellationToken);
            Thread.SpinWait(trial * 10);
            index.Leave("c", leaver);
            Volatile.Write(ref left, 1);
            await visitor;
        }
    }

    [Fact]
    public void A_visit_allocates_nothing()
    {
        var index = new ChannelIndex<Member>();
        foreach (var i in Enumerable.Range(0, 100))
            index.Join(i < 50 ? "big" : $"user:{i}", new Member(i));
        var counter = new Count();
        index.Visit("big", ref counter);
        index.Visit("user:70", ref counter);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            index.Visit("big", ref counter);
            index.Visit("user:70", ref counter);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(51 + 1000 * 51, counter.Visited);
    }
}
