using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>A plain WebSocket speaking Pusher's frames to a server, for what a browser cannot show a test: exact frames and close codes.</summary>
internal sealed class PusherSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly List<JsonElement> _received = [];
    private readonly Lock _gate = new();
    private Task _pump = Task.CompletedTask;

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public static async Task<PusherSocket> ConnectAsync(Uri server, string key, string query = "protocol=7&client=js&version=8.6.0")
    {
        var socket = new PusherSocket();
        var uri = new UriBuilder(server) { Scheme = "ws", Path = $"/app/{key}", Query = query }.Uri;
        await socket._socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        socket._pump = socket.ReadAsync();
        return socket;
    }

    public JsonElement[] Received
    {
        get
        {
            lock (_gate)
                return [.. _received];
        }
    }

    public IEnumerable<JsonElement> Events(string name) => Received.Where(e => e.GetProperty("event").GetString() == name);

    public async Task<string> SocketIdAsync()
    {
        var established = await WaitForAsync("pusher:connection_established");
        return JsonDocument.Parse(established.GetProperty("data").GetString()!).RootElement.GetProperty("socket_id").GetString()!;
    }

    public Task SendAsync(object frame) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(frame)), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    public async Task<JsonElement> WaitForAsync(string eventName, Func<JsonElement, bool>? match = null)
    {
        JsonElement found = default;
        try
        {
            await Eventually.TrueAsync(() =>
            {
                var hit = Events(eventName).Where(e => match is null || match(e)).ToArray();
                if (hit.Length > 0)
                    found = hit[0];
                return hit.Length > 0;
            }, $"{eventName} arrives");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Frames so far: {string.Join(' ', Received)}", e);
        }
        return found;
    }

    public async Task<WebSocketCloseStatus?> WaitForCloseAsync()
    {
        await _pump.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        return CloseStatus;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                int length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    return;
                }
                var frame = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
                lock (_gate)
                    _received.Add(frame);
            }
        }
        catch (WebSocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException)
            {
            }
        }
        _socket.Dispose();
    }
}
