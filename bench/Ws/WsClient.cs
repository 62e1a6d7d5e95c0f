using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Notifications.Bench.Ws;

/// <summary>
/// A minimal RFC 6455 client on a non-blocking socket served by an <see cref="EpollLoop"/>: the connect
/// and the HTTP upgrade, then frames parsed straight from the loop's buffer, with the bench tag found in
/// alert text without a JSON parser. It answers pings (the server drops peers that do not) and sends
/// masked text frames. Cheaper per frame than <c>ClientWebSocket</c> or .NET's socket engine, so the load
/// generator is not what saturates.
/// </summary>
internal sealed partial class WsClient
{
    private const int IpBindAddressNoPort = 24; // Linux: pick the source port at connect(), per 4-tuple
    private static readonly byte[] BindNoPort = [1, 0, 0, 0];

    private readonly Socket _socket; // owns the descriptor: bind, options, linger, close
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly ClientHub _hub;
    private readonly byte[] _request;
    private readonly string _accept;
    private readonly Lock _sendLock = new();
    private readonly TaskCompletionSource _upgraded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _id = EpollLoop.NextId();
    private readonly Lock _gate = new(); // state changes and epoll registration, between the loop's thread and the scenario's
    private bool _paused;

    private WsClient(int index, Socket socket, IPEndPoint server, string path, ClientHub hub, string headers)
    {
        Index = index;
        _socket = socket;
        _fd = (int)socket.Handle;
        _loop = EpollLoop.For(index);
        _hub = hub;
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        // A /ws socket that joins the hub's channel needs a token that allows it.
        string authorization = hub.Channel is { } channel && path.StartsWith("/ws", StringComparison.Ordinal) ? $"Authorization: Bearer {channel.Token}\r\n" : "";
        _request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{authorization}{headers}\r\n");
        _accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
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

    /// <summary>
    /// Connects from <paramref name="source"/> (any 127.0.0.x) and upgrades <paramref name="path"/> to a WebSocket, with
    /// <paramref name="headers"/> (whole lines, each ending in CRLF) added to the request; its loop reads from then on.
    /// </summary>
    public static async Task<WsClient> ConnectAsync(int index, IPEndPoint server, IPAddress source, int receiveBuffer,
        ClientHub hub, CancellationToken cancellationToken, string path = "/ws", string headers = "")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        WsClient? client = null;
        try
        {
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BindNoPort);
            socket.Bind(new IPEndPoint(source, 0));
            if (receiveBuffer > 0)
                socket.ReceiveBufferSize = receiveBuffer;
            client = new WsClient(index, socket, server, path, hub, headers);
            client.Start(server);
            using (cancellationToken.Register(() => client.Finish(new OperationCanceledException(cancellationToken))))
                await client._upgraded.Task;
            return client;
        }
        catch
        {
            if (client is null)
                socket.Dispose();
            else
                client.Abort();
            throw;
        }
    }

    private void Start(IPEndPoint server)
    {
        int errno = Linux.ConnectIPv4(_fd, server.Address.GetAddressBytes(), server.Port);
        if (errno is not (0 or Linux.EINPROGRESS))
            throw new SocketException((int)Linux.ToSocketError(errno));
        _loop.Add(this, _fd, _id, Linux.EPOLLOUT); // reported at once if the connect is already done
    }

    /// <summary>The connect finished: send the upgrade request and wait for the response.</summary>
    private void OnConnected()
    {
        var error = (SocketError)(int)_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != SocketError.Success)
        {
            Finish(new SocketException((int)error));
            return;
        }
        SendRaw(_request);
        lock (_gate)
        {
            if (_state != State.Connecting)
                return; // stopped meanwhile
            _state = State.Upgrading;
            _loop.Change(_fd, _id, Linux.EPOLLIN);
        }
    }

    /// <summary>Checks the upgrade response in <paramref name="head"/> (up to the blank line).</summary>
    private void OnUpgradeResponse(ReadOnlySpan<byte> head)
    {
        string text = Encoding.ASCII.GetString(head);
        if (!text.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            throw new WsHandshakeException($"upgrade refused: {text.Split('\r')[0]}");
        if (!text.Contains(_accept, StringComparison.Ordinal))
            throw new WsHandshakeException("wrong Sec-WebSocket-Accept");
        lock (_gate)
        {
            if (_state != State.Upgrading)
                return;
            _state = State.Open;
            if (_paused)
                _loop.Unwatch(_fd);
        }
        _upgraded.TrySetResult();
    }

    /// <summary>Sends frames already built by <see cref="FrameWriter"/> in one write (a batch of alerts, a pong, a close); waits while the socket is full.</summary>
    public void SendRaw(ReadOnlySpan<byte> frames)
    {
        bool added = false;
        lock (_sendLock)
        {
            try
            {
                _socket.SafeHandle.DangerousAddRef(ref added); // the descriptor stays this socket's until the last write
                while (!frames.IsEmpty)
                {
                    int n = Linux.Send(_fd, frames);
                    if (n >= 0)
                        frames = frames[n..];
                    else if (n == -Linux.EAGAIN)
                        Linux.WaitWritable(_fd, 100);
                    else
                        throw new SocketException((int)Linux.ToSocketError(-n));
                }
            }
            finally
            {
                if (added)
                    _socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <summary>Stops reading: what the server sends piles up in the kernel, then in the server's queue (a slow consumer).</summary>
    /// A client paused before its upgrade completes stops reading once it has.
    public void Pause()
    {
        lock (_gate)
        {
            if (_paused)
                return;
            _paused = true;
            if (_state == State.Open)
                _loop.Unwatch(_fd);
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            if (!_paused)
                return;
            _paused = false;
            if (_state != State.Open)
                return;
            try
            {
                _loop.Watch(_fd, _id, Linux.EPOLLIN);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Finish(e); // the kernel would not watch it again: the client ends, the others resume
            }
        }
    }

    /// <summary>Drops the connection at once with a TCP reset, as a vanished network would (no close handshake).</summary>
    public void Abort()
    {
        if (CloseCode == 0)
            CloseCode = -1;
        Closed = true;
        Stop();
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
    }

    private void MarkLive()
    {
        if (LiveTicks == 0)
            LiveTicks = Stopwatch.GetTimestamp();
        _live.TrySetResult();
    }
}

internal sealed class WsHandshakeException(string message) : Exception(message);
