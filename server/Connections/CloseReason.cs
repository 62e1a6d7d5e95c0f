using System.Net.WebSockets;

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
    Aborted,
}

internal static class CloseReasons
{
    /// <summary>1012: the server is restarting; the client should reconnect (to any instance).</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>1013: try again later; sent to a client whose send queue overflowed.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

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
        _ => "aborted",
    };

    public static (WebSocketCloseStatus Status, string Description) ToClose(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed => (WebSocketCloseStatus.NormalClosure, "bye"),
        CloseReason.ServerShutdown => (ServiceRestart, "server restarting; reconnect"),
        CloseReason.SlowClient => (TryAgainLater, "send queue full; reconnect"),
        CloseReason.MessageTooBig => (WebSocketCloseStatus.MessageTooBig, "message too big"),
        CloseReason.PolicyViolation => (WebSocketCloseStatus.PolicyViolation, "too many rate-limited alerts"),
        CloseReason.ProtocolError => (WebSocketCloseStatus.ProtocolError, "protocol error"),
        CloseReason.InvalidPayload => (WebSocketCloseStatus.InvalidPayloadData, "text is not UTF-8"),
        _ => (WebSocketCloseStatus.InternalServerError, "aborted"),
    };
}
