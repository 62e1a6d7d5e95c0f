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
        if (!StartsLikeOurs(headBytes) || !IsPlainText(headBytes, complete: end >= 0))
            return Verdict.NotOurs;
        if (end < 0)
            return bytes.Length >= MaxHeadBytes ? Verdict.NotOurs : Verdict.NeedMore;
        headLength = end + HeadEnd.Length;
        if (headLength > MaxHeadBytes)
            return Verdict.NotOurs;
        head = ParseHead(headBytes, maxFields);
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

    /// <summary>
    /// Printable ASCII and tabs, with every line ended by CRLF: no bare LF or CR, which Kestrel reads by rules of
    /// its own. A CR at the very end may be waiting for its LF only while the head is not <paramref name="complete"/>.
    /// </summary>
    private static bool IsPlainText(ReadOnlySpan<byte> head, bool complete)
    {
        for (int i = 0; i < head.Length; i++)
        {
            byte b = head[i];
            bool lineEnd = b == '\r' ? i + 1 >= head.Length ? !complete : head[i + 1] == '\n' : b == '\n' && i > 0 && head[i - 1] == '\r';
            if (!lineEnd && b is > 0x7E or (< 0x20 and not (byte)'\t'))
                return false;
        }
        return true;
    }

    /// <summary>The head read in place: only the values a handshake uses become strings.</summary>
    private static HandshakeHead? ParseHead(ReadOnlySpan<byte> headBytes, int maxFields)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(headBytes.Length);
        try
        {
            return ParseHead(chars.AsSpan(0, Encoding.ASCII.GetChars(headBytes, chars)), maxFields);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static HandshakeHead? ParseHead(ReadOnlySpan<char> head, int maxFields)
    {
        int lineEnd = head.IndexOf("\r\n");
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        // Exactly "GET <target> HTTP/1.1": two spaces, so the target has none.
        if (requestLine.Count(' ') != 2 || !requestLine.StartsWith("GET ") || !requestLine.EndsWith(" HTTP/1.1") || requestLine.Length < 13
            || !IsOurTarget(requestLine[4..^9], out string? query, out string? pusherKey))
            return null;
        var fields = new Fields();
        if (lineEnd < 0 || !ReadFields(head, head[(lineEnd + 2)..], maxFields, ref fields))
            return null;
        var request = new HandshakeRequest("GET", "HTTP/1.1", Value(head, fields.Host), Value(head, fields.Upgrade),
            Value(head, fields.Connection), Value(head, fields.Version), Value(head, fields.Key));
        return new HandshakeHead(request, Value(head, fields.Origin), Value(head, fields.FlyClientIp), QueryValue(query, "since"),
            QueryValue(query, "token") is not null, Value(head, fields.Authorization), Value(head, fields.Protocols),
            pusherKey, pusherKey is null ? null : QueryValue(query, "protocol"));
    }

    private static string? Value(ReadOnlySpan<char> head, Range? field) => field is { } range ? new string(head[range]) : null;

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
    private static bool IsOurTarget(ReadOnlySpan<char> target, out string? query, out string? pusherKey)
    {
        int mark = target.IndexOf('?');
        var queryChars = mark < 0 ? [] : target[(mark + 1)..];
        var path = mark < 0 ? target : target[..mark];
        bool pusher = path.StartsWith("/app/", StringComparison.OrdinalIgnoreCase) && path.Length > 5 && !path[5..].ContainsAnyExcept(KeyChars);
        query = null;
        pusherKey = null;
        if (!(SocketPath.Matches(path) || pusher) || queryChars.ContainsAnyExcept(QueryChars))
            return false;
        query = mark < 0 ? null : new string(queryChars);
        pusherKey = pusher ? new string(path[5..]) : null;
        return true;
    }

    /// <summary>Where the values this server reads lie in the head; null for a field that is absent.</summary>
    private struct Fields
    {
        public Range? Host, Upgrade, Connection, Version, Key, Origin, FlyClientIp, Authorization, Protocols;
        public bool HasBody;
    }

    /// <summary>
    /// Reads the header fields into <paramref name="fields"/>; false if any is not of the plain form: a token for a
    /// name, no white space before the colon (or a folded line), no field twice, no body, a plain host, and no
    /// more fields than <paramref name="maxFields"/>.
    /// </summary>
    private static bool ReadFields(ReadOnlySpan<char> head, ReadOnlySpan<char> lines, int maxFields, ref Fields fields)
    {
        int count = lines.Count("\r\n") + 1;
        if (count > maxFields)
            return false;
        // Each field's name, to find a field sent twice; a browser sends about a dozen.
        Span<Range> names = count <= 64 ? stackalloc Range[count] : new Range[count];
        int offset = head.Length - lines.Length;
        for (int i = 0; i < count; i++)
        {
            int end = lines.IndexOf("\r\n");
            var line = end < 0 ? lines : lines[..end];
            int colon = line.IndexOf(':');
            if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenChars))
                return false;
            var name = line[..colon];
            for (int j = 0; j < i; j++)
            {
                if (name.Equals(head[names[j]], StringComparison.OrdinalIgnoreCase))
                    return false;
            }
            names[i] = new Range(offset, offset + colon);
            var rawValue = line[(colon + 1)..];
            var value = rawValue.Trim(" \t");
            int valueStart = offset + colon + 1 + (rawValue.Length - rawValue.TrimStart(" \t").Length);
            Note(name, new Range(valueStart, valueStart + value.Length), ref fields);
            if (end < 0)
                break;
            lines = lines[(end + 2)..];
            offset += end + 2;
        }
        return !fields.HasBody && fields.Host is { } host && IsPlainHost(head[host]);
    }

    private static void Note(ReadOnlySpan<char> name, Range value, ref Fields fields)
    {
        if (Is(name, "Host"))
            fields.Host = value;
        else if (Is(name, "Upgrade"))
            fields.Upgrade = value;
        else if (Is(name, "Connection"))
            fields.Connection = value;
        else if (Is(name, "Sec-WebSocket-Version"))
            fields.Version = value;
        else if (Is(name, "Sec-WebSocket-Key"))
            fields.Key = value;
        else if (Is(name, "Origin"))
            fields.Origin = value;
        else if (Is(name, "Fly-Client-IP"))
            fields.FlyClientIp = value;
        else if (Is(name, "Authorization"))
            fields.Authorization = value;
        else if (Is(name, "Sec-WebSocket-Protocol"))
            fields.Protocols = value;
        else if (Is(name, "Content-Length") || Is(name, "Transfer-Encoding"))
            fields.HasBody = true;
    }

    private static bool Is(ReadOnlySpan<char> name, string field) => name.Equals(field, StringComparison.OrdinalIgnoreCase);

    /// <summary>A name or IPv4 address, with an optional port: what every browser sends, and Kestrel accepts.</summary>
    private static bool IsPlainHost(ReadOnlySpan<char> host)
    {
        int colon = host.IndexOf(':');
        var name = colon < 0 ? host : host[..colon];
        var port = colon < 0 ? [] : host[(colon + 1)..];
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
