using System.Net.WebSockets;
using System.Threading.Channels;
using Notifications.Pusher.Events;
using Notifications.Pusher.Session;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>One WebSocket of the test host, as a session's sink and rooms: frames queue up and one loop writes them.</summary>
internal sealed class HubSocket(WebSocket socket, TestHub hub, string socketId) : IPusherSink, IPusherRooms
{
    private readonly Channel<(byte[]? Frame, int Code, string Reason)> _outbox = Channel.CreateUnbounded<(byte[]?, int, string)>();

    public string SocketId => socketId;

    public void Send(byte[] frame) => _outbox.Writer.TryWrite((frame, 0, ""));

    public void Close(int code, string reason)
    {
        _outbox.Writer.TryWrite((null, code, reason));
        _outbox.Writer.TryComplete();
    }

    public void Join(string channel) => hub.Join(channel, this);

    public void Leave(string channel) => hub.Leave(channel, this);

    public void Publish(PusherEvent clientEvent) => hub.Publish(clientEvent);

    /// <summary>No more frames; the send loop ends once it has written what is queued.</summary>
    public void Complete() => _outbox.Writer.TryComplete();

    public async Task SendLoopAsync(CancellationToken cancellation)
    {
        try
        {
            await foreach (var (frame, code, reason) in _outbox.Reader.ReadAllAsync(cancellation))
            {
                if (frame is not null)
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellation);
                else
                    await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, cancellation);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away; nothing left to send to.
        }
    }
}
