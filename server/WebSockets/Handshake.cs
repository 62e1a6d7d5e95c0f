using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Notifications.WebSockets;

/// <summary>
/// What an opening handshake says, however it was read: off the bare socket or by Kestrel. Header
/// values are as received, trimmed of surrounding white space; null when the header is absent.
/// </summary>
/// <param name="HttpVersion">As Kestrel names it: <c>HTTP/1.0</c>, <c>HTTP/1.1</c>, <c>HTTP/2</c>, <c>HTTP/3</c>.</param>
/// <param name="ConnectProtocol">HTTP/2's <c>:protocol</c> on an extended CONNECT (RFC 8441), else null.</param>
internal readonly record struct HandshakeRequest(
    string Method,
    string HttpVersion,
    string? Host,
    string? Upgrade,
    string? Connection,
    string? Version,
    string? Key,
    string? ConnectProtocol = null);

/// <summary>The answer to a handshake: accept (101, or 200 on HTTP/2), or refuse with a status and a reason.</summary>
internal readonly record struct HandshakeVerdict(int Status, string? Reason)
{
    public bool Accepted => Reason is null;
}

/// <summary>
/// The server's side of the opening handshake (RFC 6455 §4.2): whether a request is one this server
/// upgrades, and the accept value it answers with. Both ways a socket arrives call this one check, so
/// they cannot disagree.
/// </summary>
internal static class Handshake
{
    /// <summary>The only protocol version this server speaks; a refusal for another names it (§4.2.2).</summary>
    public const string Version = "13";

    public const int SwitchingProtocols = 101;
    public const int BadRequest = 400;

    /// <summary>The answer to a version this server does not speak, with <c>Sec-WebSocket-Version: 13</c> (§4.2.2).</summary>
    public const int UpgradeRequired = 426;

    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Checks a request against §4.2.1 (HTTP/1.1) or RFC 8441 (HTTP/2 and later); the first fault found is the answer.</summary>
    public static HandshakeVerdict Check(in HandshakeRequest request)
    {
        bool http1 = request.HttpVersion == "HTTP/1.1";
        if (!http1 && request.HttpVersion is not ("HTTP/2" or "HTTP/3"))
            return Refuse(BadRequest, "A WebSocket handshake needs HTTP/1.1 or later.");
        if (http1 ? !IsUpgrade(request) : !IsExtendedConnect(request))
            return Refuse(BadRequest, "This endpoint speaks WebSocket only: send an upgrade request.");
        if (http1 && request.Method != "GET")
            return Refuse(BadRequest, "A WebSocket handshake is a GET request.");
        if (http1 && string.IsNullOrEmpty(request.Host))
            return Refuse(BadRequest, "A WebSocket handshake needs a Host header.");
        if (request.Version != Version)
            return Refuse(UpgradeRequired, $"This server speaks WebSocket version {Version} (RFC 6455), not '{request.Version}'.");
        if (http1 && !IsValidKey(request.Key))
            return Refuse(BadRequest, "Sec-WebSocket-Key must be 16 bytes in base64.");
        return new HandshakeVerdict(AcceptStatus(request), null);
    }

    /// <summary>The status that accepts <paramref name="request"/>: 101 on HTTP/1.1, 200 on HTTP/2's extended CONNECT.</summary>
    public static int AcceptStatus(in HandshakeRequest request) => request.HttpVersion == "HTTP/1.1" ? SwitchingProtocols : 200;

    /// <summary>The subprotocols a client offered in Sec-WebSocket-Protocol (§4.1): a comma-separated list, each value trimmed; none when absent.</summary>
    public static IReadOnlyList<string> Subprotocols(string? header) =>
        string.IsNullOrEmpty(header) ? [] : header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Sec-WebSocket-Accept for a key: SHA-1 of the key and the protocol's GUID, in base64 (§4.2.2).</summary>
    public static string AcceptKey(string key)
    {
        Span<byte> accept = stackalloc byte[AcceptKeyLength];
        WriteAcceptKey(key, accept);
        return Encoding.ASCII.GetString(accept);
    }

    /// <summary>The length of Sec-WebSocket-Accept's value: a SHA-1 hash in base64.</summary>
    private const int AcceptKeyLength = 28;

    /// <summary>Writes Sec-WebSocket-Accept for <paramref name="key"/> into <paramref name="destination"/> (<see cref="AcceptKeyLength"/> bytes) as ASCII.</summary>
    private static void WriteAcceptKey(string key, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        int length = Encoding.ASCII.GetBytes(key, input);
        AcceptGuid.CopyTo(input[length..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..(length + AcceptGuid.Length)], hash);
        Base64.EncodeToUtf8(hash, destination, out _, out _);
    }

    private static ReadOnlySpan<byte> SwitchingProtocolsHead => "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;
    private static ReadOnlySpan<byte> ProtocolField => "\r\nSec-WebSocket-Protocol: "u8;

    /// <summary>The whole 101 answer for HTTP/1.1, as bytes to write to a socket, with the subprotocol chosen from those offered, if any (§4.2.2).</summary>
    public static byte[] SwitchingProtocolsResponse(string key, string? subprotocol = null)
    {
        int protocolLength = subprotocol is null ? 0 : ProtocolField.Length + Encoding.ASCII.GetByteCount(subprotocol);
        var bytes = new byte[SwitchingProtocolsHead.Length + AcceptKeyLength + protocolLength + 4];
        var rest = bytes.AsSpan();
        SwitchingProtocolsHead.CopyTo(rest);
        rest = rest[SwitchingProtocolsHead.Length..];
        WriteAcceptKey(key, rest[..AcceptKeyLength]);
        rest = rest[AcceptKeyLength..];
        if (subprotocol is not null)
        {
            ProtocolField.CopyTo(rest);
            rest = rest[(ProtocolField.Length + Encoding.ASCII.GetBytes(subprotocol, rest[ProtocolField.Length..]))..];
        }
        "\r\n\r\n"u8.CopyTo(rest);
        return bytes;
    }

    private static HandshakeVerdict Refuse(int status, string reason) => new(status, reason);

    private static bool IsUpgrade(in HandshakeRequest request) =>
        HasToken(request.Upgrade, "websocket") && HasToken(request.Connection, "Upgrade");

    private static bool IsExtendedConnect(in HandshakeRequest request) =>
        request.Method == "CONNECT" && string.Equals(request.ConnectProtocol, "websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a comma-separated header holds <paramref name="token"/>, compared as ASCII case-insensitive.</summary>
    private static bool HasToken(string? list, string token)
    {
        foreach (var part in (list ?? "").Split(','))
        {
            if (part.Trim(' ', '\t').Equals(token, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The key must be 16 random bytes in base64 (§4.1).</summary>
    private static bool IsValidKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }
}
