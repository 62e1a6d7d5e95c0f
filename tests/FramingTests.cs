using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Connections;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>
/// RFC 6455 as the server speaks it, over raw TCP: fragments, control frames between them, the close
/// handshake, and a 1002, 1007 or 1009 for a client that breaks the rules, which costs the others nothing.
/// </summary>
public sealed class FramingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestInstance _instance = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_MAX_MESSAGE_BYTES"] = "1024";
        _instance = await TestInstance.StartAsync(settings, output);
    }

    public ValueTask DisposeAsync() => _instance.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task A_message_in_fragments_with_a_ping_between_them_is_put_together_and_the_ping_answered_first()
    {
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);

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

    public static TheoryData<string> ProtocolBreaches =>
    [
        "unmasked", "reserved bit", "undefined opcode", "continuation first", "text inside a message",
        "fragmented ping", "ping over 125 bytes", "close code 1005", "one-byte close", "close reason not UTF-8",
    ];

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(ProtocolBreaches))]
    public async Task A_frame_that_breaks_the_protocol_gets_1002_and_the_connection_closed_while_others_carry_on(string breach)
    {
        await using var other = await TestSocket.ConnectAsync(_instance.SocketUri);
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);

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

    [Fact(Timeout = 30_000)]
    public async Task Text_that_is_not_UTF8_across_fragments_gets_1007()
    {
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);

        // A two-byte sequence cut by the fragment boundary is fine; a lead byte with no continuation is not.
        await client.WriteAsync([.. RawClient.Frame(0x01, [0x22, 0xC3]), .. RawClient.Frame(0x80, [0xA9, 0x22, 0xC3, 0x28])]);

        Assert.Equal(1007, await client.ReadCloseAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_frame_declaring_more_than_the_cap_is_refused_with_1009_before_its_payload_arrives()
    {
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);

        // A header that announces 4,096 bytes (64-bit length, over the 1,024 cap), and none of the payload.
        const int Declared = 4096;
        byte[] header = [0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), Declared);
        await client.WriteAsync(header);

        Assert.Equal(1009, await client.ReadCloseAsync());
        // The payload that follows is thrown away, and the close frame after it ends the handshake.
        await client.WriteAsync([.. new byte[Declared], .. RawClient.Frame(0x88, [0x03, 0xE8])]);
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_continuation_declaring_a_length_near_2_pow_63_is_refused_with_1009_not_waited_for()
    {
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);

        // 100 bytes of a message, then a continuation whose length would wrap the running total round.
        byte[] continuation = [0x80, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        BinaryPrimitives.WriteInt64BigEndian(continuation.AsSpan(2), long.MaxValue - 50);
        await client.WriteAsync([.. RawClient.Frame(0x01, new byte[100]), .. continuation]);

        Assert.Equal(1009, await client.ReadCloseAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_client_close_is_answered_with_1000_and_the_server_then_closes_the_connection()
    {
        var registry = _instance.Services.GetRequiredService<ConnectionRegistry>();
        using var client = await RawClient.UpgradeAsync(_instance.BaseUri);
        await Eventually.TrueAsync(() => registry.Count == 1, "the client is registered");

        await client.WriteAsync(RawClient.Frame(0x88, [0x03, 0xE9, .. "going away"u8]));

        Assert.Equal(1000, await client.ReadCloseAsync());
        Assert.True(await client.ClosedByServerAsync());
        await Eventually.TrueAsync(() => registry.Count == 0, "the connection left the registry");
    }
}
