using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Handshakes over raw TCP, byte by byte as a client sends them: the plain form is taken at the
/// connection, anything else reaches ASP.NET with its bytes intact.
/// </summary>
public sealed class BareSocketHandshakeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; // RFC 6455 §1.3's worked example
    private TestInstance _instance = null!;

    public async ValueTask InitializeAsync() => _instance = await TestInstance.StartAsync(TestInstance.StandaloneSettings(), output);

    public ValueTask DisposeAsync() => _instance.DisposeAsync();

    private string Head(string key = RawClient.Key) => RawClient.Head(_instance.BaseUri, key);

    [Fact(Timeout = 30_000)]
    public async Task A_handshake_split_over_two_writes_with_an_alert_right_behind_it_is_upgraded_and_the_alert_delivered()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        byte[] head = Encoding.ASCII.GetBytes(Head());
        await client.WriteAsync(head[..40]);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await client.WriteAsync([.. head[40..], .. RawClient.Text("""{"type":"alert","text":"behind the head"}""")]);

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains($"Sec-WebSocket-Accept: {Accept}\r\n", response);
        // Taken at the connection: ASP.NET's answer would carry Kestrel's Server and Date headers.
        Assert.DoesNotContain("Server:", response);
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
        Assert.Contains("\"text\":\"behind the head\"", await client.ReadTextFrameAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_head_still_incomplete_after_two_seconds_is_left_to_ASP_NET_which_upgrades_it_when_it_is_whole()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        byte[] head = Encoding.ASCII.GetBytes(Head());
        await client.WriteAsync(head[..40]);
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        await client.WriteAsync(head[40..]);

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains("Server: Kestrel", response);
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task Clients_that_send_nothing_or_half_a_head_do_not_hold_up_anyone_else_s_handshake()
    {
        var stalled = new List<RawClient>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                var client = await RawClient.ConnectAsync(_instance.BaseUri);
                stalled.Add(client);
                if (i % 2 == 0)
                    await client.WriteAsync(Encoding.ASCII.GetBytes(Head())[..30]);
            }
            // A silent client is waited for 10 s and half a head 2 s: anyone queued behind them would wait that long.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 20; i++)
            {
                using var client = await RawClient.UpgradeAsync(_instance.BaseUri);
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.9), $"20 handshakes took {clock.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            stalled.ForEach(client => client.Dispose());
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_client_that_floods_pings_right_behind_its_head_does_not_hold_up_anyone_else_s_handshake()
    {
        // Its frames are there as soon as its handshake is answered, and more keep coming: whichever thread
        // reads them is kept busy for as long as the flood lasts, and must not be the one that accepts.
        using var flooder = await RawClient.ConnectAsync(_instance.BaseUri);
        byte[] pings = [.. Enumerable.Range(0, 10_000).SelectMany(_ => RawClient.Frame(0x89, []))];
        using var flooding = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await flooder.WriteAsync([.. Encoding.ASCII.GetBytes(Head()), .. pings]);
        var flood = Task.Run(async () =>
        {
            try
            {
                while (!flooding.IsCancellationRequested)
                    await flooder.WriteAsync(pings);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Closed under the write: the flood is over.
            }
        }, TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 20; i++)
            {
                using var client = await RawClient.UpgradeAsync(_instance.BaseUri).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"20 handshakes took {clock.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            await flooding.CancelAsync();
            flooder.Dispose();
            await flood;
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_malformed_handshake_reaches_ASP_NET_which_refuses_it_with_400()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head(key: "c2hvcnQ=")));

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 400 ", response);
        Assert.Contains("Server: Kestrel", response);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_handshake_left_to_ASP_NET_is_upgraded_there_and_speaks_the_same_protocol()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        // A field sent twice is not the plain form: ASP.NET does this handshake, and the socket runs on its stream.
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head().Replace("\r\n\r\n", "\r\nX-Twice: 1\r\nX-Twice: 2\r\n\r\n")));

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains("Server: Kestrel", response);
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
        await client.WriteAsync([.. RawClient.Frame(0x89, "hi"u8.ToArray()), .. RawClient.Text("""{"type":"alert","text":"through HTTP"}""")]);
        Assert.Equal("hi", Encoding.UTF8.GetString(await client.ReadUntilAsync(0xA)));
        Assert.Contains("\"text\":\"through HTTP\"", await client.ReadTextFrameAsync());
        await client.WriteAsync(RawClient.Frame(0x88, [0x03, 0xE8]));
        Assert.Equal(1000, await client.ReadCloseAsync());
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task Other_requests_pass_through_with_their_bytes_intact()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

        Assert.StartsWith("HTTP/1.1 200 ", await client.ReadHeadAsync());
    }
}
