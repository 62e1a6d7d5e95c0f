using System.Net.WebSockets;
using System.Text;

namespace Notifications.Tests.Fuzz;

/// <summary>What the server must do with a generated frame.</summary>
internal enum Expect
{
    Delivered,
    ErrorFrame,
    Closed,
}

internal sealed record FuzzFrame(byte[] Bytes, WebSocketMessageType Type, Expect Expect, string? Marker, string Kind);

/// <summary>
/// Generates frames around the server's limits (4096-byte messages, 280-code-point alerts), valid and
/// not, each with the outcome the protocol promises. Seeded, so a failing run can be replayed.
/// </summary>
internal sealed class FrameGenerator(int seed, int maxBytes = FrameGenerator.DefaultMaxBytes, int maxText = 280)
{
    /// <summary>The <c>WS_MAX_MESSAGE_BYTES</c> the fuzzed server runs with.</summary>
    public const int DefaultMaxBytes = 4096;

    private static readonly string[] Alphabet = ["a", "Z", "7", " ", "é", "ß", "中", "👽", "🚀", "\"", "\\", "\n", "\u0001", "<", "&", "\u200b"];
    private static readonly string[] Shapes =
    [
        "[]", "42", "\"alert\"", "null", "true", "{}", "{\"type\":null}", "{\"type\":7,\"text\":\"x\"}",
        "{\"type\":\"subscribe\"}", "{\"type\":\"alert\"}", "{\"type\":\"alert\",\"text\":\"   \"}",
        "{\"type\":\"alert\",\"text\":[1]}", "{\"type\":\"alert\",\"text\":{\"a\":1}}", "{\"type\":\"alert\",\"text\":\"x\",\"id\":\"mine\"}",
        "{\"type\":\"alert\",\"text\":\"x\",\"sentAt\":\"2000-01-01T00:00:00Z\"}", "{\"type\":\"alert\",\"text\":\"x\",\"region\":\"moon\"}",
        "{\"type\":\"ALERT\",\"text\":\"x\"}", "{\"Type\":\"alert\",\"text\":\"x\"}",
    ];

    private readonly Random _random = new(seed);
    private int _next;

    public FuzzFrame Next(string runId) => _random.Next(20) switch
    {
        < 7 => Valid(runId),
        7 => PaddedNearLimit(runId),
        8 or 9 => Text(Shapes[_random.Next(Shapes.Length)], Expect.ErrorFrame, "shape"),
        // Bracketed: the server trims white space, and the text must still be too long after that.
        10 => Text(Alert("<" + RandomText(maxText + _random.Next(100)) + ">"), Expect.ErrorFrame, "text too long"),
        11 => Text(new string('[', 9 + _random.Next(60)) + new string(']', 9), Expect.ErrorFrame, "deep"),
        12 or 13 => Text(Truncated(runId), Expect.ErrorFrame, "truncated json"),
        14 => Text(RandomText(1 + _random.Next(200)), Expect.ErrorFrame, "random text"),
        15 or 16 => Binary(1 + _random.Next(maxBytes)),
        17 => Binary(maxBytes + 1 + _random.Next(4000)),
        18 => new FuzzFrame(RandomBytes(maxBytes + 1 + _random.Next(4000), utf8: true), WebSocketMessageType.Text, Expect.Closed, null, "oversized"),
        _ => new FuzzFrame([0x7b, 0x22, 0xc3, 0x28, .. RandomBytes(_random.Next(50), utf8: true)], WebSocketMessageType.Text, Expect.Closed, null, "invalid utf-8"),
    };

    private FuzzFrame Valid(string runId)
    {
        string marker = $"fz-{runId}-{_next++}";
        string text = marker + " " + RandomText(_random.Next(maxText - marker.Length - 1));
        return new FuzzFrame(Encoding.UTF8.GetBytes(Alert(text)), WebSocketMessageType.Text, Expect.Delivered, marker, "valid");
    }

    /// <summary>A valid alert padded with JSON white space to just under, at, or just over the byte limit.</summary>
    private FuzzFrame PaddedNearLimit(string runId)
    {
        string marker = $"fz-{runId}-{_next++}";
        string json = Alert(marker);
        int target = maxBytes - 2 + _random.Next(5); // maxBytes-2 .. maxBytes+2
        var bytes = Encoding.UTF8.GetBytes(json[..^1] + new string(' ', target - Encoding.UTF8.GetByteCount(json)) + "}");
        return bytes.Length <= maxBytes
            ? new FuzzFrame(bytes, WebSocketMessageType.Text, Expect.Delivered, marker, "padded to the limit")
            : new FuzzFrame(bytes, WebSocketMessageType.Text, Expect.Closed, null, "padded over the limit");
    }

    private string Truncated(string runId)
    {
        string json = Alert($"cut-{runId}");
        return json[..(1 + _random.Next(json.Length - 2))];
    }

    private FuzzFrame Binary(int size) =>
        new(RandomBytes(size, utf8: false), WebSocketMessageType.Binary, size <= maxBytes ? Expect.ErrorFrame : Expect.Closed, null, "binary");

    private static FuzzFrame Text(string text, Expect expect, string kind) =>
        new(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, expect, null, kind);

    private static string Alert(string text) => System.Text.Json.JsonSerializer.Serialize(new { type = "alert", text });

    private string RandomText(int codePoints)
    {
        var text = new StringBuilder();
        for (int i = 0; i < codePoints; i++)
            text.Append(Alphabet[_random.Next(Alphabet.Length)]);
        return text.ToString();
    }

    /// <summary>Random bytes; with <paramref name="utf8"/>, printable ASCII, so valid UTF-8 of exactly that size.</summary>
    private byte[] RandomBytes(int size, bool utf8)
    {
        var bytes = new byte[size];
        _random.NextBytes(bytes);
        if (utf8)
        {
            for (int i = 0; i < size; i++)
                bytes[i] = (byte)(0x20 + bytes[i] % 0x5f);
        }
        return bytes;
    }
}
