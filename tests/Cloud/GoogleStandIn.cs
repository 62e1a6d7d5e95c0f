using Notifications.Tests.Faults;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Cloud;

/// <summary>
/// A faithful local imitation of Google Cloud Pub/Sub for a server in Google Cloud mode: the fault front
/// speaking TLS with a certificate from a private CA, demanding an access token on every call, and a token
/// endpoint on the same address that exchanges the signed JWT of a service-account key the test made.
/// Behind it, the emulator. The server is pointed at it with PUBSUB_ENDPOINT and the key's token_uri.
/// </summary>
internal sealed class GoogleStandIn : IAsyncDisposable
{
    private GoogleStandIn(TestCa ca, PubSubFront front, TokenEndpoint tokens, ServiceAccountKey key)
    {
        (Ca, Front, Tokens, Key) = (ca, front, tokens, key);
    }

    public TestCa Ca { get; }
    public PubSubFront Front { get; }
    public TokenEndpoint Tokens { get; }
    public ServiceAccountKey Key { get; }

    public static async Task<GoogleStandIn> StartAsync(PubSubEmulator emulator, TimeSpan tokenLifetime)
    {
        var ca = new TestCa();
        var tokens = new TokenEndpoint(tokenLifetime);
        var front = await PubSubFront.StartAsync(emulator.HostPort, ca.ServerCertificate(), tokens.Map);
        var key = new ServiceAccountKey(EmulatorAdmin.Project, $"https://{front.HostPort}{TokenEndpoint.Path}");
        tokens.Key = key;
        front.Authorize = tokens.Check;
        return new GoogleStandIn(ca, front, tokens, key);
    }

    /// <summary>
    /// A server process's settings for Google Cloud mode against this stand-in: the key JSON (its project is the
    /// project), PUBSUB_ENDPOINT, no emulator variable; <paramref name="trust"/> is the CA file it trusts (SSL_CERT_FILE).
    /// </summary>
    public Dictionary<string, string?> ServerSettings(string topic, string region, string trust) => new()
    {
        ["PUBSUB_EMULATOR_HOST"] = "",
        ["PUBSUB_PROJECT_ID"] = "",
        ["GOOGLE_CLOUD_PROJECT"] = "",
        ["GOOGLE_APPLICATION_CREDENTIALS"] = "",
        ["GOOGLE_CREDENTIALS_JSON"] = Key.Json,
        ["PUBSUB_ENDPOINT"] = Front.HostPort,
        ["SSL_CERT_FILE"] = trust,
        ["PUBSUB_TOPIC"] = topic,
        ["FLY_ALLOC_ID"] = TestInstance.NewId(),
        ["FLY_REGION"] = region,
        ["HEARTBEAT_SECONDS"] = "1",
        ["ALERT_RATE_PER_SECOND"] = "100000",
        ["ALERT_BURST"] = "100000",
    };

    public async ValueTask DisposeAsync()
    {
        await Front.DisposeAsync();
        Key.Dispose();
        Ca.Dispose();
    }
}
