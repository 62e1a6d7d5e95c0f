using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>
/// Issue 20's first proof: user A's sockets, on either of two instances, never receive what is sent to
/// <c>user:B</c>, whatever A tries: subscribing by name, with a token whose patterns reach everywhere,
/// resuming with an id from B's channel, sending to it, refreshing into B, or connecting with a forged,
/// expired, wrongly signed, unsigned or misdirected token for B.
/// </summary>
public sealed class ChannelIsolationTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task A_user_never_receives_another_users_alerts_whatever_it_tries()
    {
        await using var fleet = await ChannelFleet.StartAsync(emulator, output);
        using var admin = new EmulatorAdmin(emulator);
        string greedy = Tokens.For("A", channels: ["*", "user:*"], publish: ["*"]);
        await using var bOnAms = await TestSocket.ConnectAsync(fleet.Ams.SocketUri, token: Tokens.For("B"));
        await using var bOnSyd = await TestSocket.ConnectAsync(fleet.Syd.SocketUri, token: Tokens.For("B"));
        await using var aOnAms = await TestSocket.ConnectAsync(fleet.Ams.SocketUri, token: greedy);
        await using var aOnSyd = await TestSocket.ConnectAsync(fleet.Syd.SocketUri, token: greedy);
        await using var page = await TestSocket.ConnectAsync(fleet.Ams.SocketUri);
        TestSocket[] others = [aOnAms, aOnSyd, page];

        string firstForB = await admin.PublishToChannelAsync(fleet.Topic, "user:B", "for B 0");
        await Task.WhenAll(bOnAms.WaitForAlertAsync("for B 0"), bOnSyd.WaitForAlertAsync("for B 0"));

        foreach (var a in new[] { aOnAms, aOnSyd })
        {
            Assert.Equal("channel_forbidden", (await a.SubscribeRefusedAsync("user:B")).Code());
            Assert.Equal("channel_forbidden", (await a.SubscribeRefusedAsync("user:B", since: firstForB)).Code());
            Assert.Equal("not_subscribed", (await a.NextErrorAsync(() => a.SendAlertAsync("user:B", "spoof"))).Code());
            // A resume of its own channel, or of global, with B's id replays nothing of B's: the id is unknown there.
            var own = await a.SubscribeAsync("user:A", since: firstForB);
            Assert.False(own.GetProperty("resume").GetProperty("complete").GetBoolean());
            await a.SubscribeAsync("global", since: firstForB);
            Assert.Equal("token_mismatch", (await a.NextErrorAsync(() => a.SendFrameAsync(new { type = "refresh", token = Tokens.For("B") }))).Code());
        }
        Assert.Equal("auth_required", (await page.SubscribeRefusedAsync("user:B")).Code());
        await using var resumedPage = await TestSocket.ConnectAsync(fleet.Syd.ResumeUri(firstForB));
        others = [.. others, resumedPage];

        await RefusedAsync(fleet);

        for (int i = 1; i <= 5; i++)
            await admin.PublishToChannelAsync(fleet.Topic, "user:B", $"for B {i}");
        await admin.PublishToChannelAsync(fleet.Topic, "user:A", "for A");
        await admin.PublishAsync(fleet.Topic, JsonSerializer.SerializeToUtf8Bytes(new { text = "for everyone" }));
        // Both instances have relayed all of B's alerts once B's sockets on both hold them.
        await Task.WhenAll(bOnAms.WaitForAlertAsync("for B 5"), bOnSyd.WaitForAlertAsync("for B 5"));
        await Task.WhenAll(aOnAms.WaitForAlertAsync("for A"), aOnSyd.WaitForAlertAsync("for A"));
        await Task.WhenAll(others.Select(s => s.WaitForAlertAsync("for everyone")));

        foreach (var socket in others)
        {
            Assert.DoesNotContain(socket.OfType("alert"), a => ChannelSockets.Channel(a) == "user:B");
            Assert.DoesNotContain(socket.Received, f => f.GetRawText().Contains("for B"));
        }
        Assert.Equal(6, bOnAms.AlertsOn("user:B").Count());
        Assert.Equal(6, bOnSyd.AlertsOn("user:B").Count());
        Assert.Empty(bOnSyd.AlertsOn("user:A"));
    }

    /// <summary>Every token A could make or steal for B is refused before the upgrade, on both instances, in either header.</summary>
    private static async Task RefusedAsync(ChannelFleet fleet)
    {
        var forB = Tokens.Claims("B");
        string[] bad =
        [
            Tokens.Forged(Tokens.For("A"), forB),
            Tokens.Hs256(Tokens.Claims("B", expiresIn: TimeSpan.FromMinutes(-2))),
            Tokens.Hs256(forB, "a-secret-the-server-does-not-know-at-all"),
            Tokens.Unsigned(forB),
            Tokens.Hs256(Tokens.Claims("B", audience: "billing")),
        ];
        foreach (var instance in fleet.Instances)
        {
            foreach (var token in bad)
            {
                var (status, body) = await TestSocket.RefusalAsync(instance.SocketUri, token);
                Assert.Equal(401, status);
                Assert.DoesNotContain(token, body);
                (status, _) = await TestSocket.RefusalAsync(instance.SocketUri, headers: new() { ["Authorization"] = "Bearer " + token });
                Assert.Equal(401, status);
            }
            Assert.DoesNotContain(instance.Log.Events, e => bad.Any(t => e.RenderMessage().Contains(t)));
        }
    }
}
