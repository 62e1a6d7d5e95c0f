using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Notifications.Connections;
using Notifications.Metrics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Autobahn|Testsuite section 7, close handling, on both transports; and how the connection ends
/// after the close frames: promptly after a failure, and without a close frame of ours when the
/// client simply went away.
/// </summary>
public sealed class CloseConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    private static byte[] Close(int code, string reason = "") =>
        RawClient.Frame(0x88, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)]);

    /// <summary>7.1.1: a message, then the close: the message is answered, then the close, then the server ends the TCP connection.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_close_after_a_message_is_answered_after_it(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("before the close")));
        Assert.Equal("before the close", await client.ReadAlertTextAsync());

        await client.WriteAsync(Close(1000));

        Assert.Equal(["close 1000"], Describe(await client.ReadToEndAsync()));
    }

    /// <summary>7.1.2–7.1.5: after the client's close, nothing it sends is handled: a second close, a ping, a message, a fragment.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Nothing_after_the_client_s_close_is_handled(string transport)
    {
        foreach (byte[] after in new[] { Close(1000), RawClient.Frame(0x89, "ping"u8.ToArray()), RawClient.Frame(0x81, Echo.Alert("too late")) })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync([.. Close(1000), .. after]);

            Assert.Equal(["close 1000"], Describe(await client.ReadToEndAsync()));
        }
        using var fragmented = await Servers.UpgradeAsync(transport);
        await fragmented.WriteAsync([.. RawClient.Frame(0x01, """{"type":"alert","""u8.ToArray()), .. Close(1000), .. RawClient.Frame(0x80, "\"text\":\"x\"}"u8.ToArray())]);
        Assert.Equal(["close 1000"], Describe(await fragmented.ReadToEndAsync()));
    }

    /// <summary>7.3.1–7.3.5 and 7.7.x: an empty close, a code alone, a reason, the longest reason that fits, and every code a peer may send: answered with 1000.</summary>
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Transports))]
    public async Task Valid_closes_are_answered_with_1000(string transport)
    {
        var closes = new List<byte[]> { RawClient.Frame(0x88, []), Close(1000), Close(1000, "bye 👋"), Close(1000, new string('r', 123)) };
        closes.AddRange(new[] { 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999 }.Select(code => Close(code)));
        foreach (byte[] close in closes)
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync(close);

            Assert.Equal(["close 1000"], Describe(await client.ReadToEndAsync()));
        }
    }

    /// <summary>7.3.2, 7.3.6, 7.5.1 and 7.9.x: a one-byte body, a reason too long for a control frame, a reason that is not UTF-8, codes a peer may not send.</summary>
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Transports))]
    public async Task Invalid_closes_fail_the_connection_with_1002(string transport)
    {
        var closes = new List<byte[]> { RawClient.Frame(0x88, [0x03]), Close(1000, new string('r', 124)), RawClient.Frame(0x88, [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xED, 0xA0, 0x80]) };
        closes.AddRange(new[] { 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535 }.Select(code => Close(code)));
        foreach (byte[] close in closes)
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync(close);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    /// <summary>
    /// After failing a connection (1002, 1009 from a declared length far over the cap) the server is owed
    /// no close handshake: the TCP connection ends right after its close frame, though the client sends
    /// nothing more and keeps its side open, not after the polite close's 2 s grace.
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task After_failing_a_connection_the_server_ends_it_soon_after_its_close_frame(string transport)
    {
        byte[] huge = [0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        BinaryPrimitives.WriteInt64BigEndian(huge.AsSpan(2), 1L << 62);
        foreach (var (bytes, code) in new[] { (RawClient.Frame(0xC1, "x"u8.ToArray()), 1002), (huge, 1009) })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync(bytes);
            Assert.Equal(code, await client.ReadCloseAsync());
            var closing = Stopwatch.StartNew();

            Assert.True(await client.ClosedByServerAsync());
            Assert.True(closing.Elapsed < TimeSpan.FromSeconds(1.5), $"the connection ended {closing.ElapsedMilliseconds} ms after the {code}");
        }
    }

    /// <summary>
    /// A client that drops its TCP connection without a close frame is recorded as dropped (1006, RFC 6455
    /// §7.1.5), not as a server error (1011), and leaves the registry.
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_client_that_drops_TCP_without_a_close_frame_is_recorded_as_dropped(string transport)
    {
        var instance = Servers[transport];
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        using var closed = new MetricCollector<long>(instance.Services.GetRequiredService<IMeterFactory>(), NotificationsMetrics.MeterName, "connections.closed");
        var client = await Servers.UpgradeAsync(transport);
        await Eventually.TrueAsync(() => registry.Count == 1, "the client is registered");

        client.Dispose();

        await Eventually.TrueAsync(() => registry.Count == 0, "the connection left the registry");
        // The registry lets go before the close is counted: wait for the count rather than race it.
        await Eventually.TrueAsync(() => closed.GetMeasurementSnapshot().Count > 0, "the close is counted");
        var measurement = Assert.Single(closed.GetMeasurementSnapshot());
        Assert.Equal(("dropped", transport), (measurement.Tags["reason"], measurement.Tags["transport"]));
    }
}
