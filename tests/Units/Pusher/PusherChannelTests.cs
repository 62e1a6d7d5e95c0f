using Notifications.Pusher.Channels;

namespace Notifications.Tests.Units.Pusher;

public sealed class PusherChannelTests
{
    [Theory]
    [InlineData("news", "Public")]
    [InlineData("cache-news", "Public")]
    [InlineData("private-App.Models.User.5", "Private")]
    [InlineData("private-cache-x", "Private")]
    [InlineData("private-encrypted-doc", "PrivateEncrypted")]
    [InlineData("presence-room=1@a,b;c_d-e", "Presence")]
    [InlineData("#server-to-user-42", "ServerToUser")]
    public void Names_get_their_kind(string name, string kind)
    {
        Assert.True(PusherChannel.TryParse(name, out var channel));
        Assert.Equal(kind, channel.Kind.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("user:5")]
    [InlineData("#other")]
    [InlineData("#server-to-user-")]
    [InlineData("ünicode")]
    [InlineData("news\n")]
    [InlineData("#server-to-user-42\n")]
    [InlineData(null)]
    public void Bad_names_are_refused(string? name) => Assert.False(PusherChannel.TryParse(name, out _));

    [Theory]
    [InlineData("cache-news", true)]
    [InlineData("private-cache-x", true)]
    [InlineData("private-encrypted-cache-x", true)]
    [InlineData("presence-cache-room", true)]
    [InlineData("news-cache-", false)]
    [InlineData("private-x", false)]
    [InlineData("#server-to-user-cache-1", false)]
    public void Cache_channels_are_known_by_their_prefix(string name, bool cache)
    {
        Assert.True(PusherChannel.TryParse(name, out var channel));
        Assert.Equal(cache, channel.IsCache);
    }

    [Fact]
    public void Names_may_be_200_characters_and_no_more()
    {
        Assert.True(PusherChannel.TryParse(new string('a', 200), out _));
        Assert.False(PusherChannel.TryParse(new string('a', 201), out _));
    }

    [Fact]
    public void Only_private_and_presence_channels_take_client_events_and_only_they_and_encrypted_ones_need_auth()
    {
        static PusherChannel C(string n) => PusherChannel.TryParse(n, out var c) ? c : default;

        Assert.Equal([false, true, false, true, false], new[] { "a", "private-a", "private-encrypted-a", "presence-a", "#server-to-user-a" }.Select(n => C(n).TakesClientEvents));
        Assert.Equal([false, true, true, true, false], new[] { "a", "private-a", "private-encrypted-a", "presence-a", "#server-to-user-a" }.Select(n => C(n).NeedsAuthorization));
        Assert.Equal("a", C("#server-to-user-a").UserId);
    }

    [Theory]
    [InlineData("1001", "private-orders.5", "pusher:1001:private-orders.5")]
    [InlineData("app.one", "#server-to-user-7", "pusher:app.one:#server-to-user-7")]
    public void A_pusher_channel_maps_to_our_pusher_namespace_and_back(string app, string name, string expected)
    {
        string mapped = PusherChannelMap.ToInternal(app, name);

        Assert.Equal(expected, mapped);
        Assert.True(PusherChannelMap.TryFromInternal(mapped, out string backApp, out var channel));
        Assert.Equal((app, name), (backApp, channel.Name));
    }

    [Theory]
    [InlineData("global")]
    [InlineData("user:5")]
    [InlineData("pusher:")]
    [InlineData("pusher::news")]
    [InlineData("pusher:1001")]
    [InlineData("pusher:1001:bad name")]
    public void Names_outside_the_pusher_namespace_are_not_pusher_channels(string name) =>
        Assert.False(PusherChannelMap.TryFromInternal(name, out _, out _));
}
