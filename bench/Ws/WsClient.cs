using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Notifications.Bench.Ws;

/// <summary>
/// A minimal RFC 6455 client on a raw socket: the HTTP upgrade, then one receive loop that parses
/// frames straight from a pooled buffer and finds the bench tag in alert text without a JSON parser.
/// It answers pings (the server drops peers that do not) and sends masked text frames.
/// Cheaper per frame than <c>ClientWebSocket</c>, so the load generator is not what saturates.
/// </summary>
internal sealed partial class WsClient
{
    private const int IpBindAddressNoPort = 24; // Linux: pick the source port at connect(), per 4-tuple
    private static readonly byte[] BindNoPort = [1, 0, 0, 0];

    private readonly Socket _socket;
    private readonly ClientHub _hub;
    private readonly Lock _sendLock = new();
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TaskCompletionSource? _resume;

    private WsClient(int index, Socket socket, ClientHub hub)
    {
        Index = index;
        _socket = socket;
        _hub = hub;
    }

    public int Index { get; }
    /// <summary>Completes when the server's <c>welcome</c> frame has arrived.</summary>
    public Task Live => _live.Task;
    public long LiveTicks { get; private set; }
    /// <summary>The close code the server sent, 0 while open, -1 if the connection ended without a close frame.</summary>
    public int CloseCode { get; private set; }
    public bool Closed { get; private set; }
    public long Errors { get; private set; }
    public long ForeignAlerts { get; private set; }

    /// <summary>Connects from <paramref name="source"/> (any 127.0.0.x), upgrades to a WebSocket and starts the receive loop.</summary>
    public static async Task<WsClient> ConnectAsync(int index, IPEndPoint server, IPAddress source, int receiveBuffer,
        ClientHub hub, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BindNoPort);
            socket.Bind(new IPEndPoint(source, 0));
            if (receiveBuffer > 0)
                socket.ReceiveBufferSize = receiveBuffer;
            await socket.ConnectAsync(server, cancellationToken);
            var leftover = await UpgradeAsync(socket, server, cancellationToken);
            var client = new WsClient(index, socket, hub);
            _ = client.ReceiveLoopAsync(leftover);
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> UpgradeAsync(Socket socket, IPEndPoint server, CancellationToken cancellationToken)
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /ws HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"), cancellationToken);
        var buffer = new byte[2048];
        int have = 0, end;
        while ((end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
        {
            int n = have < buffer.Length ? await socket.ReceiveAsync(buffer.AsMemory(have), cancellationToken) : 0;
            if (n == 0)
                throw new WsHandshakeException("the server closed the connection during the upgrade");
            have += n;
        }
        string head = Encoding.ASCII.GetString(buffer, 0, end);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            throw new WsHandshakeException($"upgrade refused: {head.Split('\r')[0]}");
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        if (!head.Contains(accept, StringComparison.Ordinal))
            throw new WsHandshakeException("wrong Sec-WebSocket-Accept");
        return buffer[(end + 4)..have];
    }

    /// <summary>Sends frames already built by <see cref="FrameWriter"/> in one write (a batch of alerts, a pong, a close).</summary>
    public void SendRaw(ReadOnlySpan<byte> frames)
    {
        lock (_sendLock)
        {
            while (!frames.IsEmpty)
                frames = frames[_socket.Send(frames)..];
        }
    }

    /// <summary>Stops reading: what the server sends piles up in the kernel, then in the server's queue (a slow consumer).</summary>
    public void Pause() => _resume ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume() => Interlocked.Exchange(ref _resume, null)?.TrySetResult();

    /// <summary>Drops the connection at once with a TCP reset, as a vanished network would (no close handshake).</summary>
    public void Abort()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        Resume();
    }

    private void MarkLive()
    {
        if (LiveTicks == 0)
            LiveTicks = Stopwatch.GetTimestamp();
        _live.TrySetResult();
    }
}

internal sealed class WsHandshakeException(string message) : Exception(message);
