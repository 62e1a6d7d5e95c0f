using System.Net.WebSockets;
using Notifications.Connections;
using Notifications.Pusher.Events;
using Notifications.Pusher.Fanout;
using Notifications.Pusher.Protocol;
using Notifications.Pusher.Session;
using Notifications.WebSockets;

namespace Notifications.Pusher.Door;

/// <summary>
/// Pusher's protocol on one of our connections: the <see cref="PusherSession"/> reads its messages, speaks
/// through its send queue, joins our channel index under <c>pusher:{app}:{channel}</c> and publishes client
/// events to the bus. The connection keeps its transport, limits and keep-alive; this only chooses the frames
/// and the close codes pusher-js understands.
/// </summary>
internal sealed class PusherConnection(Connection connection, ConnectionRegistry registry, PusherPublisher publisher)
    : IConnectionDialect, IPusherSink, IPusherRooms
{
    private PusherSession? _session;
    private (WebSocketCloseStatus, string)? _close;

    public string? SocketId => _session?.SocketId;

    /// <summary>Starts the session: <c>pusher:connection_established</c> is the first frame.</summary>
    public void Start(PusherSession session)
    {
        _session = session;
        session.Start();
    }

    /// <summary>A connect Pusher refuses after the upgrade: the error frame, then a close with the same code, which pusher-js reads.</summary>
    public void Refuse(int code, string message)
    {
        Send(PusherFrames.Error(code, message));
        Close(code, message);
    }

    public void OnMessage(bool binary, ReadOnlySpan<byte> message)
    {
        if (binary)
            Send(PusherFrames.Error(PusherErrorCodes.InvalidMessage, "Only text frames holding JSON are accepted."));
        else
            _session?.Receive(message);
    }

    public void OnKeepAlive(bool heard)
    {
        if (_session is not { } session)
            return;
        if (heard)
            session.NoteActivity();
        session.Tick();
    }

    public byte[]? ShutdownFrame() => PusherFrames.Error(PusherErrorCodes.ReconnectNow, "This instance is restarting; reconnect now (any instance will do).");

    public (WebSocketCloseStatus Status, string Description)? CloseFor(CloseReason reason) => reason switch
    {
        CloseReason.DialectClosed => _close,
        CloseReason.ServerShutdown => ((WebSocketCloseStatus)PusherErrorCodes.ReconnectNow, "server restarting; reconnect"),
        CloseReason.SlowClient => ((WebSocketCloseStatus)PusherErrorCodes.OverCapacity, "send queue full; reconnect later"),
        _ => null,
    };

    public void OnEnd() => _session?.End();

    public void Send(byte[] frame) => connection.TryEnqueue(SocketFrame.Text(frame));

    public void Close(int code, string reason)
    {
        _close ??= ((WebSocketCloseStatus)code, reason);
        connection.RequestClose(CloseReason.DialectClosed);
    }

    public void Join(string channel) => registry.JoinChannel(channel, connection);

    public void Leave(string channel) => registry.LeaveChannel(channel, connection);

    public void Publish(PusherEvent clientEvent)
    {
        if (!publisher.TryPublish(clientEvent))
            Send(PusherFrames.Error(PusherErrorCodes.ClientEventRateLimited, "Client event dropped: this instance's publish buffer is full; try again shortly.", clientEvent.Channels[0]));
    }
}
