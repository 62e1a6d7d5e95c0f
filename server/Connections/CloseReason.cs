using System.Net.WebSockets;

namespace Notifications.Connections;

/// <summary>Why a connection ended; each maps to the close code the client sees.</summary>
internal enum CloseReason
{
    ClientClosed,
    ServerShutdown,
    SlowClient,
    MessageTooBig,
    Aborted,
}

internal static class CloseReasons
{
    public static (WebSocketCloseStatus Status, string Description) ToClose(this CloseReason reason) => reason switch
    {
        CloseReason.ClientClosed => (WebSocketCloseStatus.NormalClosure, "bye"),
        CloseReason.ServerShutdown => (WebSocketCloseStatus.EndpointUnavailable, "server shutting down; reconnect"),
        CloseReason.SlowClient => ((WebSocketCloseStatus)1013, "send queue full; reconnect"),
        CloseReason.MessageTooBig => (WebSocketCloseStatus.MessageTooBig, "message too big"),
        _ => (WebSocketCloseStatus.InternalServerError, "aborted"),
    };
}
