using System.Buffers;
using System.Net;
using System.Text;
using Notifications.Connections;
using Notifications.WebSockets;

namespace Notifications.Transport;

/// <summary>
/// A WebSocket handshake for the socket endpoint read straight off a new connection's first bytes
/// (RFC 6455 §4.1). Only a head Kestrel would read exactly the same way is taken: the request line
/// <c>GET /ws[?query] HTTP/1.1</c>, CRLF line ends, plain ASCII fields each sent once, a host of the
/// plain form, no body, no more fields than Kestrel allows. Anything else is left to Kestrel, which reads
/// it by its own rules and hands it to the same decision, so a head never gets one answer here and
/// another through Kestrel.
/// </summary>
/// <param name="PusherKey">For Pusher's door, <c>GET /app/{key}</c>: the key; null for <c>/ws</c>.</param>
/// <param name="PusherProtocol">For Pusher's door: the query's <c>protocol</c>.</param>
internal sealed record HandshakeHead(HandshakeRequest Request, string? Origin, string? FlyClientIp, string? Since, bool TokenInQuery,
    string? Authorization, string? Protocols, string? PusherKey = null, string? PusherProtocol = null)
{
    /// <summary>Longer request heads are left to Kestrel (a browser's handshake is well under 2 KB).</summary>
    public const int MaxHeadBytes = 8 * 1024;

    public enum Verdict
    {
        /// <summary>So far it looks like ours; wait for more bytes.</summary>
        NeedMore,
        /// <summary>Not a head this parser takes: hand the connection to Kestrel.</summary>
        NotOurs,
        Ours,
    }

    private static ReadOnlySpan<byte> Method => "GET "u8;
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> QueryChars =
        SearchValues.Create("-._~!$&'()*+,;=:@/?%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> KeyChars =
        SearchValues.Create("-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <param name="maxFields">Kestrel's limit on header fields: a head with more is Kestrel's to refuse.</param>
    /// <param name="headLength">For <see cref="Verdict.Ours"/>, the bytes the head takes, blank line included.</param>
    public static Verdict Parse(ReadOnlySpan<byte> bytes, int maxFields, out HandshakeHead? head, out int headLength)
    {
        head = null;
        headLength = 0;
        int end = bytes.IndexOf(HeadEnd);
        var headBytes = end < 0 ? bytes : bytes[..end];
        if (!StartsLikeOurs(headBytes) || !IsPlainText(headBytes))
            return Verdict.NotOurs;
        if (end < 0)
            return bytes.Length >= MaxHeadBytes ? Verdict.NotOurs : Verdict.NeedMore;
        headLength = end + HeadEnd.Length;
        if (headLength > MaxHeadBytes)
            return Verdict.NotOurs;
        head = ParseHead(Encoding.ASCII.GetString(headBytes), maxFields);
        return head is null ? Verdict.NotOurs : Verdict.Ours;
    }

    /// <summary><c>GET /ws</c> or <c>GET /app/</c>, the path in any case, as far as it has arrived.</summary>
    private static bool StartsLikeOurs(ReadOnlySpan<byte> bytes) => StartsLike(bytes, "/ws"u8) || StartsLike(bytes, "/app/"u8);

    private static bool StartsLike(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> path)
    {
        ReadOnlySpan<byte> start = [.. Method, .. path];
        for (int i = 0; i < Math.Min(bytes.Length, start.Length); i++)
        {
            // Only the path's letters may differ in case: methods are case-sensitive.
            byte b = i >= Method.Length + 1 ? (byte)(bytes[i] | 0x20) : bytes[i];
            if (b != start[i])
                return false;
        }
        return true;
    }

    /// <summary>Printable ASCII and tabs, with every line ended by CRLF: no bare LF or CR, which Kestrel reads by rules of its own.</summary>
    private static bool IsPlainText(ReadOnlySpan<byte> head)
    {
        for (int i = 0; i < head.Length; i++)
        {
            byte b = head[i];
            bool lineEnd = b == '\r' ? i + 1 >= head.Length || head[i + 1] == '\n' : b == '\n' && i > 0 && head[i - 1] == '\r';
            if (!lineEnd && b is > 0x7E or (< 0x20 and not (byte)'\t'))
                return false;
        }
        return true;
    }

    private static HandshakeHead? ParseHead(string head, int maxFields)
    {
        var lines = head.Split("\r\n");
        if (lines[0].Split(' ') is not ["GET", var target, "HTTP/1.1"] || !IsOurTarget(target, out string? query, out string? pusherKey))
            return null;
        var fields = ReadFields(lines.AsSpan(1), maxFields);
        if (fields is null)
            return null;
        var request = new HandshakeRequest("GET", "HTTP/1.1", fields.GetValueOrDefault("Host"), fields.GetValueOrDefault("Upgrade"),
            fields.GetValueOrDefault("Connection"), fields.GetValueOrDefault("Sec-WebSocket-Version"), fields.GetValueOrDefault("Sec-WebSocket-Key"));
        return new HandshakeHead(request, fields.GetValueOrDefault("Origin"), fields.GetValueOrDefault("Fly-Client-IP"), QueryValue(query, "since"),
            QueryValue(query, "token") is not null, fields.GetValueOrDefault("Authorization"), fields.GetValueOrDefault("Sec-WebSocket-Protocol"),
            pusherKey, pusherKey is null ? null : QueryValue(query, "protocol"));
    }

    /// <summary>What admission reads from this head.</summary>
    public AdmissionRequest ToAdmission(IPAddress? peer) =>
        new(Request, Origin, Since, TokenInQuery, Authorization, Protocols, peer, FlyClientIp, OwnAuthorization: PusherKey is not null);

    /// <summary>Never the headers that may carry a token.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Request = {Request}, Origin = {Origin}, Since = {Since}");
        return true;
    }

    /// <summary>
    /// The socket endpoint's path as routing matches it, or Pusher's <c>/app/{key}</c> with a key of the characters
    /// keys may have (anything else is Kestrel's to route), and a query of plain characters.
    /// </summary>
    private static bool IsOurTarget(string target, out string? query, out string? pusherKey)
    {
        int mark = target.IndexOf('?');
        query = mark < 0 ? null : target[(mark + 1)..];
        string path = mark < 0 ? target : target[..mark];
        pusherKey = path.StartsWith("/app/", StringComparison.OrdinalIgnoreCase) && path.Length > 5 && !path.AsSpan(5).ContainsAnyExcept(KeyChars) ? path[5..] : null;
        return (SocketPath.Matches(path) || pusherKey is not null) && !(query ?? "").AsSpan().ContainsAnyExcept(QueryChars);
    }

    /// <summary>
    /// The header fields, or null if any is not of the plain form: a token for a name, no white space
    /// before the colon (or a folded line), no field twice, no body, a plain host, and no more fields
    /// than <paramref name="maxFields"/>.
    /// </summary>
    private static Dictionary<string, string>? ReadFields(ReadOnlySpan<string> lines, int maxFields)
    {
        if (lines.Length > maxFields)
            return null;
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            int colon = line.IndexOf(':');
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAnyExcept(TokenChars) || !fields.TryAdd(line[..colon], line[(colon + 1)..].Trim(' ', '\t')))
                return null;
        }
        bool plain = !fields.ContainsKey("Content-Length") && !fields.ContainsKey("Transfer-Encoding")
            && fields.TryGetValue("Host", out var host) && IsPlainHost(host);
        return plain ? fields : null;
    }

    /// <summary>A name or IPv4 address, with an optional port: what every browser sends, and Kestrel accepts.</summary>
    private static bool IsPlainHost(string host)
    {
        int colon = host.IndexOf(':');
        var name = colon < 0 ? host.AsSpan() : host.AsSpan(0, colon);
        var port = colon < 0 ? "" : host.AsSpan(colon + 1);
        return name.Length > 0 && !name.ContainsAnyExcept(HostChars)
            && (colon < 0 || port.Length is > 0 and <= 5 && !port.ContainsAnyExceptInRange('0', '9'));
    }

    /// <summary>
    /// The first value of <paramref name="name"/> in the query, read as ASP.NET reads queries: names ignore
    /// case, '+' is a space; null when absent.
    /// </summary>
    private static string? QueryValue(string? query, string name)
    {
        foreach (var pair in (query ?? "").Split('&'))
        {
            int equals = pair.IndexOf('=');
            if (string.Equals(Decode(equals < 0 ? pair : pair[..equals]), name, StringComparison.OrdinalIgnoreCase))
                return equals < 0 ? "" : Decode(pair[(equals + 1)..]);
        }
        return null;
    }

    private static string Decode(string component) => Uri.UnescapeDataString(component.Replace('+', ' '));
}
