using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Notifications.Tests.Infrastructure;

/// <summary>A real ClientWebSocket that records every frame it receives, so tests can wait for one with a deadline.</summary>
public sealed class TestSocket : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly ClientWebSocket _socket = new();
    private readonly List<JsonElement> _received = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stop = new();
    // ClientWebSocket allows one send at a time; the pump's close reply is a send too.
    private readonly SemaphoreSlim _sending = new(1, 1);
    private Task _pump = Task.CompletedTask;

    public WebSocketCloseStatus? CloseStatus { get; private set; }
    public string? CloseDescription { get; private set; }
    public Task Closed => _pump;

    /// <param name="token">A connection token, offered as a page does: as the subprotocol <c>bearer.&lt;token&gt;</c> beside <c>notifications.v1</c>.</param>
    public static async Task<TestSocket> ConnectAsync(Uri uri, bool readWelcome = true, Dictionary<string, string>? headers = null, string? token = null)
    {
        var socket = new TestSocket();
        foreach (var (name, value) in headers ?? [])
            socket._socket.Options.SetRequestHeader(name, value);
        if (token is not null)
        {
            socket._socket.Options.AddSubProtocol("notifications.v1");
            socket._socket.Options.AddSubProtocol("bearer." + token);
        }
        await socket._socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        socket._pump = Task.Run(socket.PumpAsync);
        if (readWelcome)
            await socket.WaitForAsync("welcome");
        return socket;
    }

    /// <summary>The HTTP status a refused handshake got (and its body); throws if the socket was upgraded after all.</summary>
    public static async Task<(int Status, string Body)> RefusalAsync(Uri uri, string? token = null, Dictionary<string, string>? headers = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? "https" : "http" }.Uri);
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", RawClient.Key);
        if (token is not null)
            request.Headers.TryAddWithoutValidation("Sec-WebSocket-Protocol", Tokens.Subprotocols(token));
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.NotEqual(101, (int)response.StatusCode);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The subprotocol the server chose, if any.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    public IReadOnlyList<JsonElement> Received
    {
        get { lock (_received) return _received.ToArray(); }
    }

    public IEnumerable<JsonElement> OfType(string type) => Received.Where(m => m.GetProperty("type").GetString() == type);

    public Task SendJsonAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public Task SendAlertAsync(string text) =>
        SendJsonAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "alert", ["text"] = text }));

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        await _sending.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            await _socket.SendAsync(bytes, type, endOfMessage: true, TestContext.Current.CancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// The first received frame of the type matching the predicate (after the first <paramref name="skip"/> such
    /// frames), waiting up to <paramref name="timeout"/>.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool>? predicate = null, TimeSpan? timeout = null, int skip = 0)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var match = OfType(type).Where(predicate ?? (_ => true)).Skip(skip).Cast<JsonElement?>().FirstOrDefault();
            if (match is not null)
                return match.Value;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _pump.IsCompleted && !await _arrived.WaitAsync(0))
                throw new TimeoutException($"No '{type}' frame matched within {(timeout ?? DefaultWait).TotalSeconds} s (socket closed: {_pump.IsCompleted}, close {CloseStatus}). {Describe()}");
            await _arrived.WaitAsync(left, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The last few frames, each cut short, so a failure message stays readable.</summary>
    private string Describe()
    {
        var all = Received;
        var last = all.TakeLast(8).Select(f => f.GetRawText()).Select(t => t.Length <= 200 ? t : t[..200] + "…");
        return $"Received {all.Count} frames; the last: {string.Join(" | ", last)}";
    }

    public Task<JsonElement> WaitForAlertAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync("alert", m => m.GetProperty("text").GetString() == text, timeout);

    public Task<JsonElement> WaitForErrorAsync(string code, TimeSpan? timeout = null) =>
        WaitForAsync("error", m => m.GetProperty("code").GetString() == code, timeout);

    /// <summary>Waits for the server to close the socket and returns its close code.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        await _pump.WaitAsync(timeout ?? DefaultWait, TestContext.Current.CancellationToken);
        return CloseStatus;
    }

    /// <summary>A server message as JSON; one that is not says what it held, so a torn frame can be traced.</summary>
    private static JsonElement Parse(byte[] message)
    {
        try
        {
            return JsonDocument.Parse(message).RootElement.Clone();
        }
        catch (JsonException e)
        {
            string text = System.Text.Encoding.UTF8.GetString(message.AsSpan(0, Math.Min(message.Length, 300)));
            throw new InvalidDataException($"The server sent a text message that is not JSON ({message.Length} bytes): \"{text}\"", e);
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        (CloseStatus, CloseDescription) = (result.CloseStatus, result.CloseStatusDescription);
                        await _sending.WaitAsync(CancellationToken.None);
                        try
                        {
                            if (_socket.State == WebSocketState.CloseReceived)
                                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        }
                        finally
                        {
                            _sending.Release();
                        }
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                lock (_received)
                    _received.Add(Parse(message.ToArray()));
                _arrived.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            _arrived.Release();
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_socket.State == WebSocketState.Open)
        {
            // Only the close frame is sent here; the pump, the socket's one reader, reads on to the server's
            // close. CloseAsync would read as well, beside the pump: it takes whatever arrives into a small
            // buffer of its own, so a frame could be split between the two readers and the pump would
            // report a message beginning inside another (what the fuzz test saw, 1 run in 9).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _sending.WaitAsync(timeout.Token);
                try
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "test done", timeout.Token);
                }
                finally
                {
                    _sending.Release();
                }
                await _pump.WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _stop.Cancel();
        await _pump;
        _socket.Dispose();
        _stop.Dispose();
    }
}
