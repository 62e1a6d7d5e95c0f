using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>Hostile clients meet limits before they cost anything, get told why, and nobody else notices.</summary>
public sealed class AbuseTests(ITestOutputHelper output)
{
    [Fact(Timeout = 30_000)]
    public async Task Alerts_over_the_rate_get_an_error_with_when_to_retry_and_persistent_abuse_is_closed_with_1008()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["ALERT_RATE_PER_SECOND"], settings["ALERT_BURST"], settings["RATE_LIMIT_STRIKES"]) = ("0.05", "3", "5");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var bystander = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var script = await TestSocket.ConnectAsync(instance.SocketUri);

        for (int i = 0; i < 3; i++)
            await script.SendAlertAsync($"burst {i}");
        await script.SendAlertAsync("one too many");
        var limited = await script.WaitForErrorAsync("rate_limited");
        // One token per 20 s: no pause of this machine refills one before the strikes run out.
        Assert.InRange(limited.GetProperty("retryAfterMs").GetInt32(), 1, 20_000);
        await bystander.WaitForAlertAsync("burst 2");

        for (int i = 0; i < 10 && script.CloseStatus is null; i++)
        {
            try
            {
                await script.SendAlertAsync("still going");
            }
            catch (WebSocketException)
            {
                break; // the server has closed it, as it should
            }
        }
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await script.WaitForCloseAsync());
        Assert.Equal(5, script.OfType("error").Count());
        Assert.DoesNotContain(bystander.OfType("alert"), a => a.GetProperty("text").GetString() is "one too many" or "still going");
    }

    /// <summary>A client that spends its burst and reconnects starts from what it left, not from a fresh burst.</summary>
    [Fact(Timeout = 30_000)]
    public async Task Reconnecting_does_not_refill_the_alert_burst()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["ALERT_RATE_PER_SECOND"], settings["ALERT_BURST"]) = ("0.05", "3");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using (var first = await TestSocket.ConnectAsync(instance.SocketUri))
        {
            for (int i = 0; i < 3; i++)
                await first.SendAlertAsync($"burst {i}");
            await first.WaitForAlertAsync("burst 2");
        }
        var budgets = instance.Services.GetRequiredService<Notifications.Connections.AlertBudgets>();
        await Eventually.TrueAsync(() => budgets.Count == 1, "the closed socket's budget is noted");

        await using var again = await TestSocket.ConnectAsync(instance.SocketUri);
        await again.SendAlertAsync("after reconnecting");
        var limited = await again.WaitForErrorAsync("rate_limited");
        Assert.InRange(limited.GetProperty("retryAfterMs").GetInt32(), 1, 20_000);
        Assert.Empty(again.OfType("alert"));
    }

    /// <summary>Refused alerts count until an alert is taken: a cheap request taken between them does not start the count again.</summary>
    [Fact(Timeout = 30_000)]
    public async Task A_request_taken_between_refused_alerts_does_not_spare_the_socket_its_1008()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["ALERT_RATE_PER_SECOND"], settings["ALERT_BURST"], settings["RATE_LIMIT_STRIKES"]) = ("0.05", "1", "4");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var script = await TestSocket.ConnectAsync(instance.SocketUri);

        await script.SendAlertAsync("the one allowed");
        for (int i = 0; i < 3; i++)
            await script.SendAlertAsync($"refused {i}");
        await script.SendJsonAsync("""{"type":"unsubscribe","channel":"public:none"}""");
        await script.WaitForAsync("unsubscribed");
        try
        {
            await script.SendAlertAsync("the fourth refused");
        }
        catch (WebSocketException)
        {
            // closed under the send, as it should be
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await script.WaitForCloseAsync());
        Assert.Equal(4, script.OfType("error").Count(e => e.GetProperty("code").GetString() == "rate_limited"));
    }

    /// <summary>A subscribe with since replays a window under the lock every delivery takes: a flood of them is limited, then closed.</summary>
    [Fact(Timeout = 30_000)]
    public async Task A_flood_of_resuming_subscribes_is_rate_limited_and_then_closed_with_1008_while_others_are_served()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["RATE_LIMIT_STRIKES"] = "5";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var bystander = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var flooder = await TestSocket.ConnectAsync(instance.SocketUri);

        // The burst (100) is served; the next five are refused, the fifth closes the socket.
        for (int i = 0; i < 105 && flooder.CloseStatus is null; i++)
        {
            try
            {
                await flooder.SendJsonAsync("""{"type":"subscribe","channel":"global","since":"unknown"}""");
            }
            catch (WebSocketException)
            {
                break; // closed under the send, as it should be
            }
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await flooder.WaitForCloseAsync());
        var refused = flooder.OfType("error").ToList();
        Assert.Equal(5, refused.Count);
        Assert.All(refused, e => Assert.Equal("rate_limited", e.GetProperty("code").GetString()));
        Assert.Equal(100, flooder.OfType("subscribed").Count());
        await bystander.SendAlertAsync("still served");
        await bystander.WaitForAlertAsync("still served");
    }

    /// <summary>
    /// A reconnect asks for every channel at once: the request budget's burst holds <c>CHANNELS_MAX_PER_SOCKET</c> of
    /// them (and the user channel and global), and a subscribe past it is answered naming its channel, so a client
    /// can tell which to ask for again.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task A_reconnects_worth_of_subscribes_is_served_at_once_and_one_past_the_budget_is_refused_naming_its_channel()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["CHANNELS_MAX_PER_SOCKET"] = "150";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var socket = await TestSocket.ConnectAsync(instance.SocketUri);

        // The burst is 152; a few more than that, in case the bucket refills by one or two while they are sent.
        for (int i = 0; i < 160; i++)
            await socket.SendJsonAsync($$"""{"type":"subscribe","channel":"public:c{{i}}"}""");

        var limited = await socket.WaitForErrorAsync("rate_limited");
        string named = limited.GetProperty("channel").GetString()!;
        Assert.StartsWith("public:c", named);
        Assert.InRange(int.Parse(named["public:c".Length..], System.Globalization.CultureInfo.InvariantCulture), 152, 159);
        await Eventually.TrueAsync(() => socket.OfType("subscribed").Count() == 150, "the 150 channels the cap allows are joined");
        Assert.True(socket.OfType("error").Count(e => e.GetProperty("code").GetString() == "too_many_channels") >= 2);
        await socket.SendAlertAsync("still open");
        await socket.WaitForAlertAsync("still open");
    }

    [Fact(Timeout = 30_000)]
    public async Task Sockets_over_the_per_address_cap_are_refused_with_429_and_Fly_Client_IP_counts_only_when_trusted()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["MAX_CONNECTIONS_PER_IP"], settings["TRUST_FLY_CLIENT_IP"]) = ("2", "true");
        await using var instance = await TestInstance.StartAsync(settings, output);

        await using var a1 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "203.0.113.7" });
        await using var a2 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "203.0.113.7" });
        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "203.0.113.7")));
        await using var b1 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "198.51.100.9" });

        await a1.DisposeAsync();
        await Eventually.TrueAsync(async () => await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "203.0.113.7")) is null, "a closed socket frees its slot");
    }

    [Fact(Timeout = 30_000)]
    public async Task An_IPv6_client_is_counted_by_its_64_so_new_addresses_in_it_open_no_more_sockets()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["MAX_CONNECTIONS_PER_IP"], settings["TRUST_FLY_CLIENT_IP"]) = ("2", "true");
        await using var instance = await TestInstance.StartAsync(settings, output);

        await using var a1 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "2001:db8:1:2::1" });
        await using var a2 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "2001:db8:1:2:ffff::65" });
        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "2001:db8:1:2:abcd::9")));
        // Another /64, and an IPv4 client written as IPv6, are counted apart.
        await using var b1 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "2001:db8:1:3::1" });
        await using var c1 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "::ffff:203.0.113.7" });
        await using var c2 = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "203.0.113.7" });
        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "203.0.113.7")));

        await a1.DisposeAsync();
        await Eventually.TrueAsync(async () => await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "2001:db8:1:2::77")) is null, "a closed socket frees its /64's slot");
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_trust_the_Fly_Client_IP_header_is_ignored()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["MAX_CONNECTIONS_PER_IP"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);

        await using var first = await TestSocket.ConnectAsync(instance.SocketUri, headers: new() { ["Fly-Client-IP"] = "203.0.113.1" });

        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusalAsync(instance.SocketUri, ("Fly-Client-IP", "203.0.113.2")));
    }

    [Fact(Timeout = 30_000)]
    public async Task Sockets_over_the_instance_cap_are_refused_with_503_before_the_upgrade()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["MAX_CONNECTIONS"] = "2";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var one = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var two = await TestSocket.ConnectAsync(instance.SocketUri);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusalAsync(instance.SocketUri));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("https://evil.example", null, HttpStatusCode.Forbidden)]
    [InlineData("http://localhost:5173", null, null)]
    [InlineData("https://app.example.com", "https://app.example.com,https://admin.example.com", null)]
    [InlineData("https://evil.example", "https://app.example.com", HttpStatusCode.Forbidden)]
    [InlineData("https://evil.example", "*", null)]
    public async Task Browsers_from_other_origins_are_refused_with_403(string origin, string? allowed, HttpStatusCode? expected)
    {
        var settings = TestInstance.StandaloneSettings();
        settings["ALLOWED_ORIGINS"] = allowed;
        await using var instance = await TestInstance.StartAsync(settings, output);

        Assert.Equal(expected, await RefusalAsync(instance.SocketUri, ("Origin", origin)));
    }

    [Fact(Timeout = 30_000)]
    public async Task The_servers_own_origin_is_allowed()
    {
        await using var instance = await TestInstance.StartAsync(TestInstance.StandaloneSettings(), output);

        Assert.Null(await RefusalAsync(instance.SocketUri, ("Origin", instance.BaseUri.GetLeftPart(UriPartial.Authority))));
    }

    /// <summary>Tries an upgrade; null if it was accepted, else the HTTP status it was refused with.</summary>
    private static async Task<HttpStatusCode?> RefusalAsync(Uri uri, params (string Name, string Value)[] headers)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers)
            socket.Options.SetRequestHeader(name, value);
        try
        {
            await socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", TestContext.Current.CancellationToken);
            return null;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }
}
