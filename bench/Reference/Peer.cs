using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Notifications.Bench.Reference;

/// <summary>
/// One socket: its receive loop parses alerts and broadcasts them; its one writer drains a bounded queue.
/// A client that lets 512 messages pile up loses the oldest (the channel's DropOldest), the simplest
/// policy a template would pick.
/// </summary>
internal sealed class Peer(WebSocket socket, Peers peers, ILogger logger)
{
    private const int MaxMessage = 4096;

    private readonly Channel<ReadOnlyMemory<byte>> _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(512) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    public void Enqueue(ReadOnlyMemory<byte> message) => _queue.Writer.TryWrite(message);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Enqueue(JsonSerializer.SerializeToUtf8Bytes(new WelcomeMessage(peers.Count + 1), WireJson.Default.WelcomeMessage));
        peers.Add(this);
        var writer = WriteAsync(cancellationToken);
        try
        {
            await ReceiveAsync(cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            logger.LogDebug(e, "Socket ended");
        }
        finally
        {
            peers.Remove(this);
            _queue.Writer.TryComplete();
        }
        await writer;
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessage);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == MaxMessage)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, null, cancellationToken);
                        return;
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxMessage - length), cancellationToken);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }
                OnMessage(buffer.AsSpan(0, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnMessage(ReadOnlySpan<byte> json)
    {
        ClientMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json, WireJson.Default.ClientMessage);
        }
        catch (JsonException)
        {
            return;
        }
        if (message is { Type: "alert", Text: { } text })
            peers.Broadcast(JsonSerializer.SerializeToUtf8Bytes(new AlertMessage(text), WireJson.Default.AlertMessage));
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(cancellationToken))
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            logger.LogDebug(e, "Send ended");
        }
    }
}
