using Notifications.Channels;

namespace Notifications.Tests.Units.Channels;

public sealed class SocketChannelsTests
{
    [Fact]
    public void A_socket_starts_in_global_and_may_leave_and_rejoin_it_outside_the_cap()
    {
        var channels = new SocketChannels();
        Assert.True(channels.InGlobal);
        Assert.True(channels.IsMember("global"));

        Assert.True(channels.Leave("global"));
        Assert.False(channels.InGlobal);
        Assert.False(channels.Leave("global"));
        Assert.Equal(JoinResult.Joined, channels.Join("global", cap: 0));
        Assert.True(channels.InGlobal);
        Assert.Equal(0, channels.Count);
    }

    [Fact]
    public void Joins_beyond_the_cap_are_refused_and_the_user_channel_does_not_count()
    {
        var channels = new SocketChannels();
        Assert.True(channels.SetUserChannel("user:1"));
        Assert.Equal(JoinResult.Joined, channels.Join("team:1", cap: 2));
        Assert.Equal(JoinResult.AlreadyMember, channels.Join("team:1", cap: 2));
        Assert.Equal(JoinResult.AlreadyMember, channels.Join("user:1", cap: 2));
        Assert.Equal(JoinResult.Joined, channels.Join("team:2", cap: 2));
        Assert.Equal(JoinResult.TooMany, channels.Join("team:3", cap: 2));

        Assert.True(channels.Leave("team:1"));
        Assert.Equal(JoinResult.Joined, channels.Join("team:3", cap: 2));
        Assert.Equal(["user:1", "team:2", "team:3"], channels.Indexed);
    }

    [Fact]
    public void Leaving_the_user_channel_is_allowed_and_rejoining_it_counts()
    {
        var channels = new SocketChannels();
        channels.SetUserChannel("user:1");
        Assert.True(channels.Leave("user:1"));
        Assert.False(channels.IsMember("user:1"));
        Assert.Empty(channels.Indexed);
        Assert.Equal(JoinResult.Joined, channels.Join("user:1", cap: 1));
        Assert.Equal(1, channels.Count);
    }
}
