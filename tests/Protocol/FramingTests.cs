using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Connections;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// RFC 6455 as the server speaks it, over raw TCP on both transports: fragments, control frames between
/// them, the close handshake, and a 1002, 1007 or 1009 for a client that breaks the rules, which costs
/// the others nothing.
/// </summary>
public sealed class FramingTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    private const int Cap = ProtocolServers.MaxMessageBytes;

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_message_in_fragments_with_a_ping_between_them_is_put_together_and_the_ping_answered_first(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync([
            .. RawClient.Text("""{"type":"alert",""", fin: false),
            .. RawClient.Frame(0x89, "are you there"u8.ToArray()), // a ping between the fragments
            .. RawClient.Frame(0x00, """ "text":"in """u8.ToArray()), // continuation, not final
            .. RawClient.Frame(0x80, "three parts\"}"u8.ToArray()), // continuation, final
        ]);

        var (first, pong) = await client.ReadFrameAsync();
        Assert.Equal(0x8A, first);
        Assert.Equal("are you there", Encoding.UTF8.GetString(pong));
        Assert.Contains("\"text\":\"in three parts\"", await client.ReadTextFrameAsync());
    }

    public static TheoryData<string, string> ProtocolBreaches => new(
        from transport in new[] { ProtocolServers.Bare, ProtocolServers.Kestrel }
        from breach in new[]
        {
            "unmasked", "reserved bit", "undefined opcode", "continuation first", "text inside a message",
            "fragmented ping", "ping over 125 bytes", "close code 1005", "one-byte close", "close reason not UTF-8",
        }
        select (transport, breach));

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(ProtocolBreaches))]
    public async Task A_frame_that_breaks_the_protocol_gets_1002_and_the_connection_closed_while_others_carry_on(string transport, string breach)
    {
        await using var other = await TestSocket.ConnectAsync(Servers[transport].SocketUri);
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync(breach switch
        {
            "unmasked" => RawClient.Frame(0x81, """{"type":"alert","text":"x"}"""u8.ToArray(), masked: false),
            "reserved bit" => RawClient.Frame(0xC1, """{"type":"alert","text":"x"}"""u8.ToArray()),
            "undefined opcode" => RawClient.Frame(0x83, "x"u8.ToArray()),
            "continuation first" => RawClient.Frame(0x80, "x"u8.ToArray()),
            "text inside a message" => [.. RawClient.Text("{", fin: false), .. RawClient.Text("{}")],
            "fragmented ping" => RawClient.Frame(0x09, "x"u8.ToArray()),
            "ping over 125 bytes" => RawClient.Frame(0x89, new byte[126]),
            "close code 1005" => RawClient.Frame(0x88, [0x03, 0xED]),
            "one-byte close" => RawClient.Frame(0x88, [0x03]),
            "close reason not UTF-8" => RawClient.Frame(0x88, [0x03, 0xE8, 0xC3, 0x28]),
            _ => throw new ArgumentOutOfRangeException(nameof(breach)),
        });

        Assert.Equal(1002, await client.ReadCloseAsync());
        Assert.True(await client.ClosedByServerAsync());
        await other.SendAlertAsync("still here");
        await other.WaitForAlertAsync("still here");
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Text_that_is_not_UTF8_across_fragments_gets_1007(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        // A two-byte sequence cut by the fragment boundary is fine; a lead byte with no continuation is not.
        await client.WriteAsync([.. RawClient.Frame(0x01, [0x22, 0xC3]), .. RawClient.Frame(0x80, [0xA9, 0x22, 0xC3, 0x28])]);

        Assert.Equal(1007, await client.ReadCloseAsync());
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_frame_declaring_more_than_the_cap_is_refused_with_1009_before_its_payload_arrives(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        // A header that announces one byte over the cap (64-bit length), and none of the payload.
        byte[] header = [0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), Cap + 1);
        await client.WriteAsync(header);

        Assert.Equal(1009, await client.ReadCloseAsync());
        Assert.True(await client.ClosedByServerAsync());
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_message_exactly_at_the_cap_is_taken(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync(RawClient.Frame(0x81, Echo.AlertOfLength("at the cap", Cap)));

        Assert.Equal("at the cap", await client.ReadAlertTextAsync());
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_continuation_declaring_a_length_near_2_pow_63_is_refused_with_1009_not_waited_for(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        // 100 bytes of a message, then a continuation whose length would wrap the running total round.
        byte[] continuation = [0x80, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        BinaryPrimitives.WriteInt64BigEndian(continuation.AsSpan(2), long.MaxValue - 50);
        await client.WriteAsync([.. RawClient.Frame(0x01, new byte[100]), .. continuation]);

        Assert.Equal(1009, await client.ReadCloseAsync());
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_client_close_is_answered_with_1000_and_the_server_then_closes_the_connection(string transport)
    {
        var registry = Servers[transport].Services.GetRequiredService<ConnectionRegistry>();
        using var client = await Servers.UpgradeAsync(transport);
        await Eventually.TrueAsync(() => registry.Count == 1, "the client is registered");

        await client.WriteAsync(RawClient.Frame(0x88, [0x03, 0xE9, .. "going away"u8]));

        Assert.Equal(1000, await client.ReadCloseAsync());
        Assert.True(await client.ClosedByServerAsync());
        await Eventually.TrueAsync(() => registry.Count == 0, "the connection left the registry");
    }
}
