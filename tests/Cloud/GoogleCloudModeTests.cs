using System.Net;
using Notifications.Tests.Deploy;
using Notifications.Tests.Faults;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Cloud;

/// <summary>
/// Google Cloud mode, run for real in a server process: TLS to PUBSUB_ENDPOINT trusted through SSL_CERT_FILE,
/// the service-account token exchange, tokens on every call, and what happens when any of it goes wrong.
/// </summary>
public sealed class GoogleCloudModeTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    [Fact(Timeout = 90_000)]
    public async Task A_server_in_Google_Cloud_mode_relays_alerts_both_ways_over_TLS_with_tokens_from_its_key()
    {
        await using var google = await GoogleStandIn.StartAsync(emulator, TimeSpan.FromHours(1));
        string topic = TestInstance.NewTopic();
        await using var server = ServerProcess.Start(google.ServerSettings(topic, "fra", google.Ca.TrustFile), output);
        await using var peer = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await server.WaitHealthyAsync();
        await peer.WaitReadyAsync();
        await using var onServer = await TestSocket.ConnectAsync(server.SocketUri);
        await using var onPeer = await TestSocket.ConnectAsync(peer.SocketUri);

        await onServer.SendAlertAsync("from the cloud instance");
        await onPeer.SendAlertAsync("from the emulator instance");

        foreach (var socket in new[] { onServer, onPeer })
        {
            await socket.WaitForAlertAsync("from the cloud instance");
            await socket.WaitForAlertAsync("from the emulator instance");
        }
        var health = await Fronted.HealthAsync(server.BaseUri);
        Assert.Equal((HttpStatusCode.OK, "ready"), (health.Code, health.Status));
        Assert.True(google.Tokens.Issued >= 1);
        Assert.Equal(0, google.Tokens.RefusedAssertions);
        Assert.Equal(0, google.Front.Refused);
        Assert.Contains(server.Lines, l => l.Contains("Alerts travel over pubsub:"));
    }

    /// <summary>Tokens that live 3 s (Google's live an hour): the server fetches new ones as they expire and never presents a stale one.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Short_lived_tokens_are_replaced_before_they_expire_and_no_call_is_refused()
    {
        await using var google = await GoogleStandIn.StartAsync(emulator, TimeSpan.FromSeconds(3));
        await using var server = ServerProcess.Start(google.ServerSettings(TestInstance.NewTopic(), "fra", google.Ca.TrustFile), output);
        await server.WaitHealthyAsync();
        await using var client = await TestSocket.ConnectAsync(server.SocketUri);
        int issued = google.Tokens.Issued;

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (int i = 0; DateTime.UtcNow < until; i++)
        {
            await client.SendAlertAsync($"alert {i}");
            await client.WaitForAlertAsync($"alert {i}");
            Assert.Equal(HttpStatusCode.OK, (await Fronted.HealthAsync(server.BaseUri)).Code);
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        output.WriteLine($"{google.Tokens.Issued} tokens issued, {google.Tokens.Issued - issued} during the 10 s of traffic");
        Assert.True(google.Tokens.Issued - issued >= 3, $"only {google.Tokens.Issued - issued} new tokens in 10 s of 3 s tokens");
        Assert.Equal(0, google.Front.Refused);
        Assert.Equal(0, google.Tokens.RefusedAssertions);
    }

    /// <summary>A certificate the machine does not trust: /healthz degraded naming the TLS failure, and one clear warning with no stack trace.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_certificate_this_machine_does_not_trust_is_degraded_with_a_clear_reason()
    {
        await using var google = await GoogleStandIn.StartAsync(emulator, TimeSpan.FromHours(1));
        using var stranger = new TestCa("Some Other CA");
        await using var server = ServerProcess.Start(google.ServerSettings(TestInstance.NewTopic(), "fra", stranger.TrustFile), output);

        string detail = "";
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                var health = await Fronted.HealthAsync(server.BaseUri);
                detail = health.Detail;
                return health is (HttpStatusCode.ServiceUnavailable, "degraded", _);
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                return false; // not listening yet, or slow to answer its first request on a busy machine
            }
        }, "the server reports degraded", TimeSpan.FromSeconds(30));

        output.WriteLine(detail);
        Assert.Contains("certificate", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, google.Tokens.Issued + google.Front.Calls("CreateSubscription"));
        await Eventually.TrueAsync(() => server.Lines.Any(l => l.Contains("WRN") && l.Contains("certificate", StringComparison.OrdinalIgnoreCase)), "a warning names the certificate");
        Assert.DoesNotContain(server.Lines, l => l.TrimStart().StartsWith("at "));
    }
}
