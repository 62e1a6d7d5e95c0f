using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Kestrel's own meters never see a socket upgraded on the bare socket, so ours count every socket
/// and every refusal, by the path it took, exactly once: what an operator scrapes.
/// </summary>
public sealed class SocketCountTests(ITestOutputHelper output)
{
    private const string Evil = "Origin: https://evil.example\r\n";
    private static readonly HttpClient Http = new();

    [Fact(Timeout = 30_000)]
    public async Task With_bare_sockets_each_path_counts_its_sockets_and_each_refusal_counts_once()
    {
        var (instance, scrape) = await StartAsync(bareSockets: true);
        await using var _ = instance;
        var baseUri = instance.BaseUri;
        using var bare1 = await UpgradeAsync(baseUri, RawClient.Head(baseUri), expectKestrel: false);
        using var bare2 = await UpgradeAsync(baseUri, RawClient.Head(baseUri), expectKestrel: false);
        // A field sent twice is not the plain form: Kestrel takes this one.
        using var kestrel = await UpgradeAsync(baseUri, WithFields(RawClient.Head(baseUri), "X-Twice: 1\r\nX-Twice: 2\r\n"), expectKestrel: true);

        Assert.Equal(403, await RefusedWithAsync(baseUri, WithFields(RawClient.Head(baseUri), Evil)));
        Assert.Equal(403, await RefusedWithAsync(baseUri, WithFields(RawClient.Head(baseUri), Evil + "X-Twice: 1\r\nX-Twice: 2\r\n")));
        Assert.Equal(426, await RefusedWithAsync(baseUri, RawClient.Head(baseUri).Replace("Version: 13", "Version: 8")));

        string counted = await scrape();
        Assert.Equal(2, Exposition.Sum(counted, "notifications_connections", ("transport", "bare")));
        Assert.Equal(1, Exposition.Sum(counted, "notifications_connections", ("transport", "kestrel")));
        Assert.Equal(2, Exposition.Sum(counted, "notifications_connections_refused", ("status", "403")));
        Assert.Equal(1, Exposition.Sum(counted, "notifications_connections_refused", ("status", "426")));

        await bare1.WriteAsync(RawClient.Frame(0x88, [0x03, 0xE8]));
        Assert.Equal(1000, await bare1.ReadCloseAsync());
        await Eventually.TrueAsync(async () => Exposition.Sum(await scrape(), "notifications_connections", ("transport", "bare")) == 1, "the closed socket uncounted");
        Assert.Equal(1, Exposition.Sum(await scrape(), "notifications_connections_closed", ("reason", "client_closed"), ("transport", "bare")));
    }

    [Fact(Timeout = 30_000)]
    public async Task With_bare_sockets_off_every_socket_is_counted_as_Kestrel_s()
    {
        var (instance, scrape) = await StartAsync(bareSockets: false);
        await using var _ = instance;
        var baseUri = instance.BaseUri;
        using var first = await UpgradeAsync(baseUri, RawClient.Head(baseUri), expectKestrel: true);
        using var second = await UpgradeAsync(baseUri, RawClient.Head(baseUri), expectKestrel: true);

        Assert.Equal(403, await RefusedWithAsync(baseUri, WithFields(RawClient.Head(baseUri), Evil)));

        string counted = await scrape();
        Assert.Equal(0, Exposition.Sum(counted, "notifications_connections", ("transport", "bare")));
        Assert.Equal(2, Exposition.Sum(counted, "notifications_connections", ("transport", "kestrel")));
        Assert.Equal(1, Exposition.Sum(counted, "notifications_connections_refused", ("status", "403")));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_resets_its_socket_is_counted_as_dropped_and_logged_as_nothing_worse(bool bareSockets)
    {
        var (instance, scrape) = await StartAsync(bareSockets);
        await using var _ = instance;
        using var client = await UpgradeAsync(instance.BaseUri, RawClient.Head(instance.BaseUri), expectKestrel: !bareSockets);

        client.Reset();

        string transport = bareSockets ? "bare" : "kestrel";
        await Eventually.TrueAsync(async () => Exposition.Sum(await scrape(), "notifications_connections", ("transport", transport)) == 0, "the reset socket uncounted");
        string counted = await scrape();
        Assert.Equal(1, Exposition.Sum(counted, "notifications_connections_closed", ("transport", transport)));
        Assert.Equal(1, Exposition.Sum(counted, "notifications_connections_closed", ("reason", "dropped"), ("transport", transport)));
        Assert.DoesNotContain(instance.Log.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error || e.Exception is not null);
    }

    private async Task<(TestInstance Instance, Func<Task<string>> Scrape)> StartAsync(bool bareSockets)
    {
        var settings = TestInstance.StandaloneSettings();
        int metricsPort = PubSubEmulator.FreePort();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (metricsPort.ToString(), "127.0.0.1");
        settings["WS_BARE_SOCKETS"] = bareSockets ? "true" : "false";
        var instance = await TestInstance.StartAsync(settings, output);
        return (instance, () => Http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken));
    }

    private static string WithFields(string head, string fields) => head[..^2] + fields + "\r\n";

    private static async Task<RawClient> UpgradeAsync(Uri baseUri, string head, bool expectKestrel)
    {
        var (client, response) = await RawClient.UpgradeWithHeadAsync(baseUri, head);
        Assert.Equal(expectKestrel, response.Contains("\r\nServer: Kestrel\r\n"));
        return client;
    }

    private static async Task<int> RefusedWithAsync(Uri baseUri, string head)
    {
        using var client = await RawClient.ConnectAsync(baseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(head));
        return int.Parse((await client.ReadHeadAsync()).Split(' ')[1]);
    }
}
