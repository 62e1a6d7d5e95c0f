using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>Autobahn|Testsuite section 5, fragmentation, on both transports.</summary>
public sealed class FragmentationConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    private static (byte[] First, byte[] Second) Halves(string text)
    {
        byte[] alert = Echo.Alert(text);
        return (alert[..(alert.Length / 2)], alert[(alert.Length / 2)..]);
    }

    /// <summary>5.1 and 5.2: control frames may not be fragmented.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_fragmented_ping_or_pong_fails_the_connection(string transport)
    {
        foreach (byte opcode in new byte[] { 0x9, 0xA })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync([.. RawClient.Frame(opcode, "frag"u8.ToArray()), .. RawClient.Frame(0x80, "ment"u8.ToArray())]);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    /// <summary>5.3–5.5: a text message in two fragments, in one write, in two writes, and with a pause between.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_message_in_two_fragments_is_put_together_however_they_arrive(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        var (first, second) = Halves("in two");

        await client.WriteAsync([.. RawClient.Frame(0x01, first), .. RawClient.Frame(0x80, second)]);
        Assert.Equal("in two", await client.ReadAlertTextAsync());

        await client.WriteAsync(RawClient.Frame(0x01, first));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await client.WriteAsync(RawClient.Frame(0x80, second));
        Assert.Equal("in two", await client.ReadAlertTextAsync());
    }

    /// <summary>5.6–5.8: a ping between the fragments is answered first; also with every frame written a byte at a time.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_ping_between_fragments_is_answered_before_the_message(string transport)
    {
        foreach (int chop in new[] { int.MaxValue, 1 })
        {
            using var client = await Servers.UpgradeAsync(transport);
            var (first, second) = Halves("around a ping");
            byte[] frames = [.. RawClient.Frame(0x01, first), .. RawClient.Frame(0x89, "between"u8.ToArray()), .. RawClient.Frame(0x80, second)];

            await client.WriteChoppedAsync(frames, Math.Min(chop, frames.Length));

            var (pong, payload) = await client.ReadFrameAsync();
            Assert.Equal((0x8A, "between"), (pong, System.Text.Encoding.UTF8.GetString(payload)));
            Assert.Equal("around a ping", await client.ReadAlertTextAsync());
        }
    }

    /// <summary>5.9–5.14: a continuation with no message to continue, final or not, alone or around a good message.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_continuation_with_nothing_to_continue_fails_the_connection(string transport)
    {
        foreach (byte first in new byte[] { 0x80, 0x00 })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync([.. RawClient.Frame(first, "orphan"u8.ToArray()), .. RawClient.Frame(0x81, Echo.Alert("never seen"))]);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    /// <summary>5.15–5.18: a new message started inside one that has not ended.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_new_message_inside_an_unfinished_one_fails_the_connection(string transport)
    {
        foreach (byte second in new byte[] { 0x01, 0x81, 0x02 })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync([.. RawClient.Frame(0x01, "{"u8.ToArray()), .. RawClient.Frame(second, "{}"u8.ToArray())]);

            Assert.Equal(["close 1002"], Describe(await client.ReadUntilCloseAsync()));
        }
    }

    /// <summary>5.19 and 5.20: fragments with pings between them and pauses, in one message; every ping answered as it comes.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Fragments_with_pings_and_pauses_between_them_make_one_message(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        byte[] alert = Echo.Alert("five parts and two pings");
        int part = alert.Length / 5;

        for (int i = 0; i < 5; i++)
        {
            byte first = (byte)((i == 4 ? 0x80 : 0) | (i == 0 ? 0x1 : 0x0));
            byte[] bytes = i == 4 ? alert[(part * i)..] : alert[(part * i)..(part * (i + 1))];
            await client.WriteAsync(RawClient.Frame(first, bytes));
            if (i is 1 or 3)
            {
                await client.WriteAsync(RawClient.Frame(0x89, [(byte)i]));
                Assert.Equal([(byte)i], await client.ReadUntilAsync(0xA));
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal("five parts and two pings", await client.ReadAlertTextAsync());
    }
}
