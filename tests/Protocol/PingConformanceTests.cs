using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Autobahn|Testsuite section 2, pings and pongs, on both transports; and what a bounded send queue
/// must not do to them: a ping flood never fills it, and a ping just before a close is still answered.
/// </summary>
public sealed class PingConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    /// <summary>2.1–2.4: no payload, text, binary, and the largest a control frame may carry (125 bytes).</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_ping_is_answered_with_a_pong_carrying_its_payload(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        foreach (byte[] payload in new[] { [], "Hello, world!"u8.ToArray(), [0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF], new byte[125] })
        {
            await client.WriteAsync(RawClient.Frame(0x89, payload));
            Assert.Equal(payload, await client.ReadUntilAsync(0xA));
        }
    }

    /// <summary>2.6: a 125-byte ping written one byte at a time.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_ping_written_one_byte_at_a_time_is_answered(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        byte[] payload = Enumerable.Range(0, 125).Select(i => (byte)i).ToArray();

        await client.WriteChoppedAsync(RawClient.Frame(0x89, payload), chop: 1);

        Assert.Equal(payload, await client.ReadUntilAsync(0xA));
    }

    /// <summary>2.5: a control frame may not carry more than 125 bytes.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_ping_over_125_bytes_fails_the_connection(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync(RawClient.Frame(0x89, new byte[126]));

        Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
    }

    /// <summary>2.7–2.9: pongs nobody asked for are taken silently; the ping after them is answered.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Unsolicited_pongs_get_nothing_and_a_ping_after_them_its_pong(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync([.. RawClient.Frame(0x8A, []), .. RawClient.Frame(0x8A, "unsolicited"u8.ToArray()), .. RawClient.Frame(0x89, "solicited"u8.ToArray())]);

        var (first, payload) = await client.ReadFrameAsync();
        Assert.Equal((0x8A, "solicited"), (first, Encoding.UTF8.GetString(payload)));
    }

    /// <summary>
    /// 2.10 and 2.11: ten pings in a row, at once and in pieces. Only the latest ping must be answered
    /// (RFC 6455 §5.5.3): pongs not yet sent are merged, so each pong carries a payload that was sent, in
    /// order, and the last carries the last.
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Ten_pings_in_a_row_are_answered_up_to_the_last(string transport)
    {
        foreach (int chop in new[] { int.MaxValue, 1 })
        {
            using var client = await Servers.UpgradeAsync(transport);
            byte[] pings = [.. Enumerable.Range(0, 10).SelectMany(i => RawClient.Frame(0x89, Encoding.UTF8.GetBytes($"payload-{i}")))];

            await client.WriteChoppedAsync(pings, Math.Min(chop, pings.Length));

            await AssertPongsUpToAsync(client, count: 10);
        }
    }

    /// <summary>
    /// A client that sends 600 pings in one burst, while reading all it gets, is answered and stays
    /// connected: pongs never take room in the send queue (a queue of 512 frames, once closed with 1013).
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_burst_of_pings_never_fills_the_send_queue(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync([.. Enumerable.Range(0, 600).SelectMany(i => RawClient.Frame(0x89, Encoding.UTF8.GetBytes($"payload-{i}")))]);
        await AssertPongsUpToAsync(client, count: 600);

        await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("still connected")));
        Assert.Equal("still connected", await client.ReadAlertTextAsync());
    }

    /// <summary>A ping followed at once by a close: the ping came first, so its pong does too (§5.5.2), then the close.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_ping_followed_at_once_by_a_close_gets_its_pong_before_the_close(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync([.. RawClient.Frame(0x89, "last words"u8.ToArray()), .. RawClient.Frame(0x88, [0x03, 0xE8])]);

        Assert.Equal(["pong:last words", "close 1000"], Describe(await client.ReadToEndAsync()));
    }

    /// <summary>Reads pongs until the one for ping <paramref name="count"/> − 1, checking each answers a ping that was sent, in order.</summary>
    private static async Task AssertPongsUpToAsync(RawClient client, int count)
    {
        int last = -1;
        while (last < count - 1)
        {
            var (first, payload) = await client.ReadFrameAsync();
            Assert.Equal(0x8A, first);
            int index = int.Parse(Encoding.UTF8.GetString(payload)["payload-".Length..]);
            Assert.True(index > last, $"pong for ping {index} after the pong for {last}");
            last = index;
        }
    }
}
