using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Notifications.Messages;

/// <summary>
/// Parses JSON from outside (clients' frames, request bodies, the topic) and refuses, as malformed, text that has
/// no Unicode form: bytes that are not UTF-8, or an escape of half a surrogate pair (<c>"\ud83d"</c>, which
/// JavaScript's <c>JSON.stringify</c> writes for a string cut inside an emoji). <see cref="JsonDocument"/> takes both
/// and throws only later, when such a string is read or written out, far from any handler of bad input.
/// </summary>
internal static class StrictJson
{
    /// <summary>As <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>; throws <see cref="JsonException"/> for text without a Unicode form too.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> json, JsonDocumentOptions options)
    {
        var document = JsonDocument.Parse(json, options);
        if (IsUnicode(json.Span))
            return document;
        document.Dispose();
        throw new JsonException("The JSON holds text that is not Unicode: bytes that are not UTF-8, or an escaped half of a surrogate pair.");
    }

    /// <summary>As <see cref="Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>, for JSON held in a string (one that was itself a JSON string value).</summary>
    public static JsonDocument Parse(string json, JsonDocumentOptions options) => Parse(Encoding.UTF8.GetBytes(json), options);

    /// <summary>True when every string <paramref name="json"/> (well-formed) holds has a Unicode form: it is UTF-8, and escapes no lone surrogate.</summary>
    public static bool IsUnicode(ReadOnlySpan<byte> json) => Utf8.IsValid(json) && !HasLoneSurrogateEscape(json);

    /// <summary>
    /// True when <paramref name="json"/> (well-formed, so a backslash only ever starts an escape) escapes a high
    /// surrogate not followed at once by an escaped low one, or a low one not preceded by a high one.
    /// </summary>
    public static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        // Where the escape of a low surrogate must start: just after a high one's.
        int lowDueAt = -1;
        int i = 0;
        while (true)
        {
            int found = json[i..].IndexOf((byte)'\\');
            if (found < 0)
                return lowDueAt >= 0;
            int at = i + found;
            if (lowDueAt >= 0 && at != lowDueAt)
                return true;
            if (at + 1 >= json.Length)
                return false;
            if (json[at + 1] != (byte)'u')
            {
                if (lowDueAt >= 0)
                    return true;
                i = at + 2;
                continue;
            }
            if (at + 6 > json.Length || !TryHex(json.Slice(at + 2, 4), out int unit))
                return false;
            i = at + 6;
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (lowDueAt >= 0)
                    return true;
                lowDueAt = i;
            }
            else if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                if (lowDueAt < 0)
                    return true;
                lowDueAt = -1;
            }
            else if (lowDueAt >= 0)
            {
                return true;
            }
        }
    }

    private static bool TryHex(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (byte digit in digits)
        {
            int nibble = digit switch
            {
                >= (byte)'0' and <= (byte)'9' => digit - '0',
                >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0)
                return false;
            value = value * 16 + nibble;
        }
        return true;
    }
}
