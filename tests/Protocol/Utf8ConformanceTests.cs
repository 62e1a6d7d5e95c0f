using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Autobahn|Testsuite section 6, UTF-8 handling, on both transports: valid text however it is cut into
/// fragments comes back as an alert, invalid text closes with 1007, and a fragment that makes the text
/// invalid fails the connection at once, before the message would have ended.
/// </summary>
public sealed class Utf8ConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    /// <summary>6.2 and 6.5–6.11, 6.22–6.23: boundary characters of each length, and noncharacters, which are valid UTF-8.</summary>
    private static readonly string[] ValidSequences =
    [
        "κόσμε", "\u0080", "\u07FF", "\u0800", "\uD7FF", "\uE000", "\uFFFD", "\uFFFE", "\uFFFF", "\U00010000", "\U0010FFFF", "\u007F",
    ];

    /// <summary>6.3, 6.6, 6.8 and 6.12–6.21: continuations without a lead, leads without continuations, impossible bytes, overlong forms, surrogates, code points past U+10FFFF.</summary>
    private static readonly byte[][] InvalidSequences =
    [
        [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64],
        [0x80], [0xBF], [0x80, 0xBF, 0x80], [0xC0, 0x20], [0xE0, 0x20], [0xF0, 0x20], [0xC2], [0xE0, 0x80], [0xF7, 0xBF, 0xBF],
        [0xFE], [0xFF], [0xFE, 0xFE, 0xFF, 0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF], [0xF8, 0x80, 0x80, 0x80, 0xAF],
        [0xC1, 0xBF], [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xC0],
    ];

    /// <summary>6.2.1–6.2.4: valid text in one frame, in fragments of every length, and a fragment per byte.</summary>
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Transports))]
    public async Task Valid_text_comes_back_however_it_is_fragmented(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);

        foreach (string text in ValidSequences)
        {
            byte[] alert = Echo.AlertWithBytes(Encoding.UTF8.GetBytes(text));
            foreach (int fragment in new[] { alert.Length, 1, 2, 3 })
            {
                await client.WriteAsync(Fragmented(alert, fragment));
                Assert.Equal($"[{text}]", await client.ReadAlertTextAsync());
            }
        }
    }

    /// <summary>6.1: empty fragments, before, between and after the text, and an empty message made of empty fragments.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task Empty_fragments_add_nothing(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        byte[] alert = Echo.Alert("empties around");

        await client.WriteAsync([.. RawClient.Frame(0x01, []), .. RawClient.Frame(0x00, alert), .. RawClient.Frame(0x00, []), .. RawClient.Frame(0x80, [])]);
        Assert.Equal("empties around", await client.ReadAlertTextAsync());

        await client.WriteAsync([.. RawClient.Frame(0x01, []), .. RawClient.Frame(0x00, []), .. RawClient.Frame(0x80, [])]);
        await client.ReadErrorAsync("invalid_json");
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Transports))]
    public async Task Invalid_text_closes_with_1007_whole_or_fragmented(string transport)
    {
        foreach (byte[] bad in InvalidSequences)
        {
            foreach (int fragment in new[] { int.MaxValue, 1 })
            {
                using var client = await Servers.UpgradeAsync(transport);
                byte[] alert = Echo.AlertWithBytes(bad);

                await client.WriteAsync(Fragmented(alert, Math.Min(fragment, alert.Length)));

                Assert.Equal(["close 1007"], Describe(await client.ReadUntilCloseAsync()));
            }
        }
    }

    /// <summary>
    /// 6.4.1 and 6.4.2: the fragment that makes the text invalid fails the connection at once; the client
    /// reads the 1007 before it sends the rest of the message.
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task A_fragment_that_makes_the_text_invalid_fails_the_connection_before_the_message_ends(string transport)
    {
        // U+110000 as UTF-8 would write it (F4 90 80 80), out of range: in one fragment, or cut so that only the second byte shows it.
        foreach (byte[][] middle in new byte[][][] { [[0xF4, 0x90, 0x80, 0x80]], [[0xCE, 0xB5, 0xF4], [0x90]] })
        {
            using var client = await Servers.UpgradeAsync(transport);

            await client.WriteAsync(RawClient.Frame(0x01, """{"type":"alert","text":"κόσμε"""u8.ToArray()));
            foreach (byte[] fragment in middle)
                await client.WriteAsync(RawClient.Frame(0x00, fragment));

            // The final fragment is never sent: a server that waited for the message's end would never answer.
            Assert.Equal(1007, await client.ReadCloseAsync());
        }
    }

    /// <summary>
    /// 6.4.3 and 6.4.4: one frame, written in pieces, whose middle is invalid. A frame is handled once it
    /// is whole (it is bounded by the message cap), so the failure comes when its last piece arrives.
    /// </summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Transports))]
    public async Task An_invalid_frame_written_in_pieces_fails_when_it_is_whole(string transport)
    {
        using var client = await Servers.UpgradeAsync(transport);
        byte[] frame = RawClient.Frame(0x81, Echo.AlertWithBytes([0xCE, 0xBA, 0xF4, 0x90, 0x80, 0x80, 0xCE, 0xBA]));

        await client.WriteChoppedAsync(frame, chop: 4, pause: TimeSpan.FromMilliseconds(20));

        Assert.Equal(["close 1007"], Describe(await client.ReadUntilCloseAsync()));
    }

    /// <summary>The message in fragments of <paramref name="size"/> bytes: text, continuations, the last one final.</summary>
    private static byte[] Fragmented(byte[] message, int size)
    {
        var frames = new List<byte>();
        for (int at = 0; at < message.Length; at += size)
        {
            bool last = at + size >= message.Length;
            byte first = (byte)((last ? 0x80 : 0) | (at == 0 ? 0x1 : 0x0));
            frames.AddRange(RawClient.Frame(first, message[at..Math.Min(at + size, message.Length)]));
        }
        return [.. frames];
    }
}
