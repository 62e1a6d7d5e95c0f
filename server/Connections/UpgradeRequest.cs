using System.Text;

namespace Notifications.Connections;

/// <summary>
/// A plain HTTP/1.1 WebSocket handshake for the socket endpoint (RFC 6455 §4.2.1), read straight off
/// the connection's first bytes. Only the common, unambiguous form is recognised; anything else
/// (another path, an unusual header layout, a missing or malformed field) is left to ASP.NET, whose
/// endpoint answers it with its usual checks and errors.
/// </summary>
internal sealed record UpgradeRequest(string Host, string? Origin, string? FlyClientIp, string Key, string? Since)
{
    /// <summary>Longer request heads are left to ASP.NET (a browser's handshake is well under 2 KB).</summary>
    public const int MaxHeadBytes = 8 * 1024;

    public enum Verdict
    {
        /// <summary>So far it looks like ours; wait for more bytes.</summary>
        NeedMore,
        /// <summary>Not a handshake this parser takes: hand the connection to HTTP.</summary>
        NotOurs,
        Ours,
    }

    private static ReadOnlySpan<byte> Prefix => "GET /ws"u8;
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <param name="headLength">For <see cref="Verdict.Ours"/>, the bytes the head takes, blank line included.</param>
    public static Verdict Parse(ReadOnlySpan<byte> bytes, out UpgradeRequest? request, out int headLength)
    {
        request = null;
        headLength = 0;
        int compared = Math.Min(bytes.Length, Prefix.Length);
        if (!bytes[..compared].SequenceEqual(Prefix[..compared]))
            return Verdict.NotOurs;
        int end = bytes.IndexOf(HeadEnd);
        if (end < 0)
            return bytes.Length >= MaxHeadBytes ? Verdict.NotOurs : Verdict.NeedMore;
        headLength = end + HeadEnd.Length;
        if (headLength > MaxHeadBytes || !IsPlainAscii(bytes[..end]))
            return Verdict.NotOurs;
        request = ParseHead(Encoding.ASCII.GetString(bytes[..end]));
        return request is null ? Verdict.NotOurs : Verdict.Ours;
    }

    private static bool IsPlainAscii(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
        {
            if (b is > 0x7E or (< 0x20 and not ((byte)'\r' or (byte)'\n' or (byte)'\t')))
                return false;
        }
        return true;
    }

    private static UpgradeRequest? ParseHead(string head)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"])
            return null;
        string? query;
        if (target == WebSocketEndpoint.Path)
            query = null;
        else if (target.StartsWith(WebSocketEndpoint.Path + "?", StringComparison.Ordinal))
            query = target[(WebSocketEndpoint.Path.Length + 1)..];
        else
            return null;

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':');
            // No name, whitespace in the name (or a folded line), or a field that appears twice: not the plain form.
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAny(' ', '\t')
                || !headers.TryAdd(line[..colon], line[(colon + 1)..].Trim(' ', '\t')))
                return null;
        }
        // A body on a handshake is not the plain form either.
        if (headers.ContainsKey("Content-Length") || headers.ContainsKey("Transfer-Encoding"))
            return null;

        bool valid = headers.GetValueOrDefault("Host") is { Length: > 0 }
            && string.Equals(headers.GetValueOrDefault("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)
            && HasToken(headers.GetValueOrDefault("Connection"), "Upgrade")
            && headers.GetValueOrDefault("Sec-WebSocket-Version") == "13"
            && IsValidKey(headers.GetValueOrDefault("Sec-WebSocket-Key"));
        return valid
            ? new UpgradeRequest(headers["Host"], headers.GetValueOrDefault("Origin"), headers.GetValueOrDefault("Fly-Client-IP"),
                headers["Sec-WebSocket-Key"], SinceIn(query))
            : null;
    }

    private static bool HasToken(string? list, string token)
    {
        foreach (var part in (list ?? "").Split(','))
        {
            if (part.Trim(' ', '\t').Equals(token, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The key must be 16 random bytes in base64 (RFC 6455 §4.1).</summary>
    private static bool IsValidKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }

    /// <summary>The first <c>since</c> in the query, decoded as ASP.NET decodes queries ('+' is a space).</summary>
    private static string? SinceIn(string? query)
    {
        foreach (var pair in (query ?? "").Split('&'))
        {
            int equals = pair.IndexOf('=');
            string name = Decode(equals < 0 ? pair : pair[..equals]);
            if (name == "since")
                return equals < 0 ? "" : Decode(pair[(equals + 1)..]);
        }
        return null;
    }

    private static string Decode(string component) => Uri.UnescapeDataString(component.Replace('+', ' '));
}
