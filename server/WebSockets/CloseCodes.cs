using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Unicode;

namespace Notifications.WebSockets;

/// <summary>
/// Close codes (RFC 6455 §7.4): the registered ones <see cref="WebSocketCloseStatus"/> lacks, which
/// codes a peer may send, and the check of a close frame a client sent.
/// </summary>
internal static class CloseCodes
{
    /// <summary>1006: the connection ended without a close frame. Only ever recorded, never sent (§7.4.1).</summary>
    public const WebSocketCloseStatus Abnormal = (WebSocketCloseStatus)1006;

    /// <summary>1012: the server is restarting; the client should reconnect.</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>1013: try again later.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>
    /// Codes a peer may put in a close frame: the registered ones except those reserved for reporting
    /// (1004–1006, 1015), and the ranges for libraries and applications (3000–4999).
    /// </summary>
    public static bool MaySend(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>
    /// What is wrong with a received close frame's body, or null if nothing is: it must be empty, or a
    /// code a peer may send followed by UTF-8 text (§5.5.1).
    /// </summary>
    public static string? CheckReceived(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
            return null;
        if (payload.Length == 1)
            return "a close frame with a one-byte body";
        int code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!MaySend(code))
            return $"close code {code} may not be sent";
        return Utf8.IsValid(payload[2..]) ? null : "a close reason that is not UTF-8";
    }
}
