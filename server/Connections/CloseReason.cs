using System.Net.WebSockets;
using Notifications.Identity;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>Why a connection ended; each maps to the close code the client sees.</summary>
internal enum CloseReason
{
    ClientClosed,
    ServerShutdown,
    SlowClient,
    MessageTooBig,
    PolicyViolation,
    ProtocolError,
    InvalidPayload,
    Unresponsive,
    /// <summary>The client's TCP connection ended or failed without a close frame (1006).</summary>
    Dropped,
    /// <summary>Something failed on the server's side while the socket was open (1011).</summary>
    ServerError,
    /// <summary>The connection's token expired and was not refreshed in time (4001).</summary>
    TokenExpired,
    /// <summary>The connection's dialect (Pusher's) closed it with a code of its own, after the frames queued before.</summary>
    DialectClosed,
}

internal static class CloseReasons
{
    /// <summary>The reason as a metric label.</summary>
    public static string Label(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed => "client_closed",
        CloseReason.ServerShutdown => "server_shutdown",
        CloseReason.SlowClient => "slow_client",
        CloseReason.MessageTooBig => "message_too_big",
        CloseReason.PolicyViolation => "policy_violation",
        CloseReason.ProtocolError => "protocol_error",
        CloseReason.InvalidPayload => "invalid_payload",
        CloseReason.Unresponsive => "unresponsive",
        CloseReason.Dropped => "dropped",
        CloseReason.TokenExpired => "token_expired",
        CloseReason.DialectClosed => "dialect_closed",
        _ => "server_error",
    };

    public static (WebSocketCloseStatus Status, string Description) ToClose(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed => (WebSocketCloseStatus.NormalClosure, "bye"),
        CloseReason.ServerShutdown => (CloseCodes.ServiceRestart, "server restarting; reconnect"),
        CloseReason.SlowClient => (CloseCodes.TryAgainLater, "send queue full; reconnect"),
        CloseReason.MessageTooBig => (WebSocketCloseStatus.MessageTooBig, "message too big"),
        CloseReason.PolicyViolation => (WebSocketCloseStatus.PolicyViolation, "too many rate-limited alerts"),
        CloseReason.ProtocolError => (WebSocketCloseStatus.ProtocolError, "protocol error"),
        CloseReason.InvalidPayload => (WebSocketCloseStatus.InvalidPayloadData, "text is not UTF-8"),
        CloseReason.Dropped => (CloseCodes.Abnormal, "dropped"),
        CloseReason.TokenExpired => ((WebSocketCloseStatus)IdentityRefresh.ExpiredCloseCode, IdentityRefresh.ExpiredCloseReason),
        _ => (WebSocketCloseStatus.InternalServerError, "server error"),
    };

    /// <summary>The server gets a close frame out: not to a peer that is gone or stopped answering.</summary>
    public static bool SendsCloseFrame(this CloseReason reason) => reason is not (CloseReason.Dropped or CloseReason.Unresponsive);

    /// <summary>
    /// The client broke the protocol, and the connection is failed (RFC 6455 §7.1.7): after the close
    /// frame the server ends its side at once instead of waiting for the client's close.
    /// </summary>
    public static bool FailsConnection(this CloseReason reason) =>
        reason is CloseReason.ProtocolError or CloseReason.InvalidPayload or CloseReason.MessageTooBig;

    /// <summary>What the reader's fault means for the connection.</summary>
    public static CloseReason ToCloseReason(this FrameFault fault) => fault switch
    {
        FrameFault.ProtocolError => CloseReason.ProtocolError,
        FrameFault.InvalidText => CloseReason.InvalidPayload,
        _ => CloseReason.MessageTooBig,
    };
}
