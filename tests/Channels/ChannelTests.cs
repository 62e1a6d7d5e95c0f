using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>Joining, leaving, publishing to channels and the refusals, across two instances on the emulator.</summary>
public sealed class ChannelTests(PubSubEmulator emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private ChannelFleet _fleet = null!;

    public async ValueTask InitializeAsync() =>
        _fleet = await ChannelFleet.StartAsync(emulator, output, s => s["CHANNELS_MAX_PER_SOCKET"] = "3");

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    [Fact(Timeout = 60_000)]
    public async Task Members_on_both_instances_get_a_channels_alerts_and_nobody_else_does()
    {
        await using var lobbyAms = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri);
        await using var lobbySyd = await TestSocket.ConnectAsync(_fleet.Syd.SocketUri);
        await using var outsider = await TestSocket.ConnectAsync(_fleet.Syd.SocketUri);
        await using var teammate = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri, token: Tokens.For("t1", channels: ["team:7"]));
        await lobbyAms.SubscribeAsync("public:lobby");
        await lobbySyd.SubscribeAsync("public:lobby");
        await teammate.SubscribeAsync("team:7");

        await lobbyAms.SendAlertAsync("public:lobby", "lobby 1");
        await teammate.SendAlertAsync("team:7", "team 1");
        var received = await Task.WhenAll(lobbyAms.WaitForAlertAsync("lobby 1"), lobbySyd.WaitForAlertAsync("lobby 1"), teammate.WaitForAlertAsync("team 1"));
        Assert.All(received.Take(2), a => Assert.Equal("public:lobby", ChannelSockets.Channel(a)));
        Assert.Equal("team:7", ChannelSockets.Channel(received[2]));

        Assert.Equal("public:lobby", ChannelSockets.Channel(await lobbySyd.UnsubscribeAsync("public:lobby")));
        await lobbyAms.SendAlertAsync("public:lobby", "lobby 2");
        await lobbyAms.WaitForAlertAsync("lobby 2");
        // A global alert sent after everything above reaches everyone; what was not delivered by then never will be.
        await outsider.SendAlertAsync("for everyone");
        var global = await Task.WhenAll(new[] { lobbyAms, lobbySyd, outsider, teammate }.Select(s => s.WaitForAlertAsync("for everyone")));
        Assert.All(global, a => Assert.Equal("global", ChannelSockets.Channel(a)));

        Assert.Equal(["lobby 1", "lobby 2", "for everyone"], lobbyAms.OfType("alert").Texts());
        Assert.Equal(["lobby 1", "for everyone"], lobbySyd.OfType("alert").Texts());
        Assert.Equal(["for everyone"], outsider.OfType("alert").Texts());
        Assert.Equal(["team 1", "for everyone"], teammate.OfType("alert").Texts());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_socket_that_leaves_global_hears_only_its_channels_until_it_returns()
    {
        await using var quiet = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri);
        await using var sender = await TestSocket.ConnectAsync(_fleet.Syd.SocketUri);
        await quiet.SubscribeAsync("public:news");
        await quiet.UnsubscribeAsync("global");

        await sender.SendAlertAsync("global noise");
        await sender.WaitForAlertAsync("global noise");
        await sender.SubscribeAsync("public:news");
        await sender.SendAlertAsync("public:news", "news");
        await quiet.WaitForAlertAsync("news");
        Assert.Equal("not_subscribed", (await quiet.NextErrorAsync(() => quiet.SendAlertAsync("global", "may I?"))).Code());

        await quiet.SubscribeAsync("global");
        await sender.SendAlertAsync("global again");
        await quiet.WaitForAlertAsync("global again");
        Assert.Equal(["news", "global again"], quiet.OfType("alert").Texts());
    }

    [Fact(Timeout = 60_000)]
    public async Task Each_refusal_has_its_code_and_the_socket_stays_open()
    {
        await using var page = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri);
        await using var member = await TestSocket.ConnectAsync(_fleet.Syd.SocketUri, token: Tokens.For("m1", channels: ["team:7", "room:*"]));

        var invalid = await page.SubscribeRefusedAsync("bad name<script>");
        Assert.Equal("invalid_channel", invalid.Code());
        Assert.False(invalid.TryGetProperty("channel", out _), "an invalid name is never echoed");
        Assert.Equal("invalid_channel", (await page.SubscribeRefusedAsync("team:*")).Code());
        Assert.Equal("auth_required", (await page.SubscribeRefusedAsync("team:7")).Code());
        var forbidden = await member.SubscribeRefusedAsync("team:9");
        Assert.Equal(("channel_forbidden", "team:9"), (forbidden.Code(), ChannelSockets.Channel(forbidden)));
        Assert.Equal("channel_forbidden", (await member.SubscribeRefusedAsync("user:m2")).Code());

        await member.SubscribeAsync("team:7");
        await member.SubscribeAsync("room:1");
        await member.SubscribeAsync("public:a");
        await member.SubscribeAsync("user:m1"); // its own: in it from the start, so only answered
        Assert.Equal("too_many_channels", (await member.SubscribeRefusedAsync("public:b")).Code());
        await member.SubscribeAsync("team:7"); // already in it: answered, not counted again

        Assert.Equal("publish_forbidden", (await member.NextErrorAsync(() => member.SendAlertAsync("room:1", "x"))).Code());
        Assert.Equal("publish_forbidden", (await member.NextErrorAsync(() => member.SendAlertAsync("user:m1", "x"))).Code());
        Assert.Equal("not_subscribed", (await member.NextErrorAsync(() => member.SendAlertAsync("public:zzz", "x"))).Code());
        Assert.Equal("invalid_channel", (await member.NextErrorAsync(() => member.SendAlertAsync("a b", "x"))).Code());

        await member.SendAlertAsync("still here");
        await Task.WhenAll(member.WaitForAlertAsync("still here"), page.WaitForAlertAsync("still here"));
        Assert.Null(member.CloseStatus);
    }
}
