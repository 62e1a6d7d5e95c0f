using System.Net.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// Another protocol spoken over a <see cref="Connection"/> (Pusher's, at <c>/app/{key}</c>): it reads the
/// text messages and decides its own close codes, while the connection keeps its transport, queue, limits
/// and keep-alive. A socket that speaks a dialect is never in <c>global</c> and never gets our own frames.
/// </summary>
internal interface IConnectionDialect
{
    /// <summary>The dialect's id for this socket, which a publisher may name to leave it out; null if it has none.</summary>
    string? SocketId { get; }

    /// <summary>One whole text (or binary) message from the client.</summary>
    void OnMessage(bool binary, ReadOnlySpan<byte> message);

    /// <summary>The keep-alive round reached this socket; <paramref name="heard"/> says whether the client sent anything since the last.</summary>
    void OnKeepAlive(bool heard);

    /// <summary>The server is shutting down: the frame to send before the close, if any.</summary>
    byte[]? ShutdownFrame();

    /// <summary>The close frame's code and reason for <paramref name="reason"/>; null to use ours.</summary>
    (WebSocketCloseStatus Status, string Description)? CloseFor(CloseReason reason);

    /// <summary>The connection is over: leave whatever the dialect joined. Called once.</summary>
    void OnEnd();
}
