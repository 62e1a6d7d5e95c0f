using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>Refresh in place (extend, narrow, refusals) and the 4001 close of a token left to expire, on the emulator.</summary>
public sealed class RefreshTests(PubSubEmulator emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private ChannelFleet _fleet = null!;

    /// <summary>The grace a socket gets after its token's <c>exp</c>, short so the tests need not wait long.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    public async ValueTask InitializeAsync() =>
        _fleet = await ChannelFleet.StartAsync(emulator, output, s => s["AUTH_CLOCK_SKEW_SECONDS"] = Grace.TotalSeconds.ToString());

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    [Fact(Timeout = 60_000)]
    public async Task A_token_left_to_expire_closes_the_socket_with_4001_after_the_grace_and_a_refreshed_one_lives_on()
    {
        // One exp for both, so when one is closed the other's first token has run out as well.
        var claims = Tokens.Claims("e", TimeSpan.FromSeconds(3));
        var exp = DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]);
        await using var expiring = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri, token: Tokens.Hs256(claims));
        await using var refreshed = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri, token: Tokens.Hs256(new(claims) { ["sub"] = "r" }));

        await refreshed.SendFrameAsync(new { type = "refresh", token = Tokens.For("r", TimeSpan.FromHours(1)) });
        var answer = await refreshed.WaitForAsync("refreshed");
        Assert.InRange(answer.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddHours(1));

        Assert.Equal(4001, (int?)await expiring.WaitForCloseAsync(TimeSpan.FromSeconds(15)));
        var closedAt = DateTimeOffset.UtcNow;
        Assert.Equal("token expired", expiring.CloseDescription);
        Assert.InRange(closedAt, exp + Grace - TimeSpan.FromMilliseconds(100), exp + Grace + TimeSpan.FromSeconds(3));

        // Past its first deadline too: a socket closed then would not echo an alert sent now.
        await refreshed.SendAlertAsync("still here");
        await refreshed.WaitForAlertAsync("still here");
        Assert.Null(refreshed.CloseStatus);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_alert_sent_after_the_4001_close_and_before_the_clients_reply_is_not_published()
    {
        var uri = _fleet.Ams.BaseUri;
        string head = RawClient.Head(uri).Replace("\r\n\r\n", $"\r\nSec-WebSocket-Protocol: notifications.v1, bearer.{Tokens.For("x", TimeSpan.FromSeconds(1))}\r\n\r\n");
        var (expiring, _) = await RawClient.UpgradeWithHeadAsync(uri, head);
        using var _ = expiring;
        await using var listener = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri);

        Assert.Equal(4001, await expiring.ReadCloseAsync());
        // The close is under way and not yet answered: what the client sends now is read only to reach its close frame.
        await expiring.WriteAsync(RawClient.Text("""{"type":"alert","text":"after the close"}"""));
        await Task.Delay(500, TestContext.Current.CancellationToken);
        await listener.SendAlertAsync("marker");
        await listener.WaitForAlertAsync("marker");

        Assert.DoesNotContain(listener.OfType("alert"), a => a.GetProperty("text").GetString() == "after the close");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_narrower_token_leaves_the_channels_it_no_longer_allows_before_it_is_answered()
    {
        await using var member = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri, token: Tokens.For("n", channels: ["team:1", "team:2"]));
        await using var sender = await TestSocket.ConnectAsync(_fleet.Syd.SocketUri, token: Tokens.For("s", channels: ["team:*"]));
        foreach (var channel in new[] { "team:1", "team:2" })
        {
            await member.SubscribeAsync(channel);
            await sender.SubscribeAsync(channel);
        }

        await member.SendFrameAsync(new { type = "refresh", token = Tokens.For("n", channels: ["team:1"]) });
        await member.WaitForAsync("refreshed");
        // The channel is left, and said so, before the refresh is answered.
        var after = member.Received.SkipWhile(f => f.GetProperty("type").GetString() != "unsubscribed").ToArray();
        Assert.Equal(["unsubscribed", "refreshed"], after.Select(f => f.GetProperty("type").GetString()));
        Assert.Equal(("team:2", "not_allowed"), (ChannelSockets.Channel(after[0]), after[0].GetProperty("reason").GetString()));

        await sender.SendAlertAsync("team:2", "gone");
        await sender.SendAlertAsync("team:1", "kept");
        await member.WaitForAlertAsync("kept");
        await sender.WaitForAlertAsync("gone");
        await sender.SendAlertAsync("marker");
        await member.WaitForAlertAsync("marker");
        Assert.Equal(["kept", "marker"], member.OfType("alert").Texts());
        Assert.Equal("channel_forbidden", (await member.SubscribeRefusedAsync("team:2")).Code());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_refresh_for_another_user_on_an_anonymous_socket_or_with_a_bad_token_is_refused_and_changes_nothing()
    {
        await using var page = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri);
        await using var signedIn = await TestSocket.ConnectAsync(_fleet.Ams.SocketUri, token: Tokens.For("a", channels: ["team:1"]));
        await signedIn.SubscribeAsync("team:1");

        Assert.Equal("token_mismatch", (await page.NextErrorAsync(() => page.SendFrameAsync(new { type = "refresh", token = Tokens.For("a") }))).Code());
        Assert.Equal("token_mismatch", (await signedIn.NextErrorAsync(() => signedIn.SendFrameAsync(new { type = "refresh", token = Tokens.For("b") }))).Code());
        var invalid = await signedIn.NextErrorAsync(() => signedIn.SendFrameAsync(new { type = "refresh", token = Tokens.Hs256(Tokens.Claims("a"), "the-wrong-secret-of-thirty-two-bytes!") }));
        Assert.Equal("token_invalid", invalid.Code());
        Assert.Contains("signature", invalid.GetProperty("message").GetString());
        Assert.Equal("token_invalid", (await signedIn.NextErrorAsync(() => signedIn.SendFrameAsync(new { type = "refresh", token = Tokens.Hs256(Tokens.Claims("a", TimeSpan.FromMinutes(-1))) }))).Code());

        Assert.Empty(signedIn.OfType("refreshed"));
        Assert.Empty(signedIn.OfType("unsubscribed"));
        await signedIn.SendAlertAsync("team:1", "still a member");
        await signedIn.WaitForAlertAsync("still a member");
    }
}
