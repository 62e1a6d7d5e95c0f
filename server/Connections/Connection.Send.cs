using System.Net.WebSockets;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>The only writer to the socket: drains the outbox, then sends the close frame.</summary>
    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync())
            {
                // A slow or departing client gets no backlog, only its close frame.
                if (ClosingFor is CloseReason.SlowClient or CloseReason.ClientClosed or CloseReason.MessageTooBig)
                    break;
                // An abuser's last error frames are still worth sending before its 1008; nothing else is queued after them.
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _sendCancel.Token);
                _framesOut++;
            }
            await SendCloseAsync();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            RequestClose(CloseReason.Aborted);
        }
    }

    private async Task SendCloseAsync()
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            return;
        var (status, description) = (ClosingFor ?? CloseReason.Aborted).ToClose();
        await _socket.CloseOutputAsync(status, description, _sendCancel.Token);
    }
}
