using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Autobahn|Testsuite sections 1 (framing), 3 (reserved bits) and 4 (opcodes), on both transports. The
/// server does not echo: an alert comes back to its sender as a broadcast, and a binary message as an
/// error frame.
/// </summary>
public sealed class FramingConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    /// <summary>1.1.1–1.1.7: every length form, at each boundary (7-bit, 16-bit and 64-bit lengths).</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Text_messages_of_every_length_form_come_back(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        foreach (int length in new[] { 125, 126, 127, 128, 65_535, 65_536 })
        {
            await client.WriteAsync(RawClient.Frame(0x81, Echo.AlertOfLength($"len {length}", length)));
            Assert.Equal($"len {length}", await client.ReadAlertTextAsync());
        }
    }

    /// <summary>1.1.1 and 1.2.1: an empty text message is not JSON, an empty binary message is binary; each is answered, the connection lives on.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Empty_messages_are_answered_and_the_connection_lives_on(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync([.. RawClient.Frame(0x81, []), .. RawClient.Frame(0x82, []), .. RawClient.Frame(0x81, Echo.Alert("after empties"))]);

        await client.ReadErrorAsync("invalid_json");
        await client.ReadErrorAsync("binary_not_supported");
        Assert.Equal("after empties", await client.ReadAlertTextAsync());
    }

    /// <summary>1.1.8 and 1.2.8: a 64 KiB message written in pieces of 997 bytes.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_large_message_written_in_small_pieces_comes_back_whole(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteChoppedAsync(RawClient.Frame(0x81, Echo.AlertOfLength("chopped", 65_536)), chop: 997);
        Assert.Equal("chopped", await client.ReadAlertTextAsync());

        // An error frame is answered at once, an alert only once it is back from the bus: one at a time.
        await client.WriteChoppedAsync(RawClient.Frame(0x82, new byte[65_536]), chop: 997);
        await client.ReadErrorAsync("binary_not_supported");
    }

    /// <summary>1.1.x with the frame header itself split: a head read byte by byte.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_message_written_one_byte_at_a_time_comes_back(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteChoppedAsync(RawClient.Frame(0x81, Echo.AlertOfLength("bytewise", 200)), chop: 1);

        Assert.Equal("bytewise", await client.ReadAlertTextAsync());
    }

    /// <summary>3.1–3.7: a reserved bit set on a text, binary, ping or close frame, after a message that was answered and before a ping that gets no answer.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_reserved_bit_fails_the_connection_after_what_came_before_it(string transport)
    {
        foreach (byte first in new byte[] { 0xC1, 0xA1, 0x91, 0xF2, 0x99, 0xB8 })
        {
            using var client = await Servers.UpgradeAsync(transport);
            await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("before")));
            Assert.Equal("before", await client.ReadAlertTextAsync());

            await client.WriteAsync([.. RawClient.Frame(first, "x"u8.ToArray()), .. RawClient.Frame(0x89, "unanswered"u8.ToArray())]);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    /// <summary>4.1.1–4.2.5: reserved opcodes, data (3–7) and control (11–15), after a message that was answered and before a ping that gets no answer.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_reserved_opcode_fails_the_connection_after_what_came_before_it(string transport)
    {
        foreach (byte opcode in new byte[] { 3, 4, 5, 6, 7, 11, 12, 13, 14, 15 })
        {
            using var client = await Servers.UpgradeAsync(transport);
            await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("before")));
            Assert.Equal("before", await client.ReadAlertTextAsync());

            await client.WriteAsync([.. RawClient.Frame((byte)(0x80 | opcode), "x"u8.ToArray()), .. RawClient.Frame(0x89, [])]);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task An_unmasked_client_frame_fails_the_connection(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("unmasked"), masked: false));

        Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
    }
}
