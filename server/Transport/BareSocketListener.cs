using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Notifications.Connections;

namespace Notifications.Transport;

/// <summary>
/// Kestrel's listener for one TCP endpoint, in place of its socket transport's: accepts each socket
/// itself and lets <see cref="BareSocketHandshake"/> look at its first bytes, on the accept thread when
/// no other socket waits (<see cref="MoreWaiting"/>), else on the thread pool. A WebSocket handshake it takes
/// runs on the bare socket and Kestrel never sees it; any other socket becomes an ordinary Kestrel
/// connection (<see cref="SocketConnectionContextFactory"/>, as Kestrel's own listener makes them) and
/// is returned from <see cref="AcceptAsync"/>. Stopping waits for the sockets it runs to close (the
/// drain has asked them to) until Kestrel's shutdown deadline, then aborts every connection still open
/// (it assumes the instance is stopping: this app never rebinds an endpoint while running). It binds TLS
/// endpoints too, where a plain handshake is upgraded without TLS as on a plain port; TLS on Fly ends
/// at its proxy.
/// </summary>
internal sealed partial class BareSocketListener : IConnectionListener
{
    private readonly Socket _listenSocket;
    private readonly SocketTransportOptions _options;
    private readonly SocketConnectionContextFactory _contexts;
    private readonly BareSocketHandshake _upgrade;
    private readonly ConnectionRegistry _registry;
    private readonly ILogger _logger;
    private readonly Channel<ConnectionContext> _forHttp = Channel.CreateUnbounded<ConnectionContext>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly TaskCompletionSource _acceptLoopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Sockets accepted whose RunAsync has not ended (being sorted, or upgraded and running), and a
    // signal for the stop that waits for none to be left.
    private readonly Lock _lock = new();
    private int _running;
    private bool _unbound;
    private TaskCompletionSource? _noneRunning;
    private Task? _unbinding;
    // Whether accepted sockets come with the TCP_NODELAY setting already (only the accept thread uses it); null until the first.
    private bool? _noDelayInherited;
    // How long the kernel holds a connection that has sent nothing before handing it over anyway (rounded up to SYN-ACK retransmits: about 7 s).
    private const int DeferAcceptSeconds = 5;

    public BareSocketListener(IPEndPoint endpoint, SocketTransportOptions options, BareSocketHandshake upgrade, ConnectionRegistry registry, ILoggerFactory loggers)
    {
        _options = options;
        _upgrade = upgrade;
        _registry = registry;
        _stoppingToken = _stopping.Token;
        _logger = loggers.CreateLogger<BareSocketListener>();
        try
        {
            _listenSocket = options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e); // Kestrel tells this one apart
        }
        EndPoint = _listenSocket.LocalEndPoint!;
        // Linux gives accepted sockets the listening socket's TCP_NODELAY, which saves a system call per socket (see NoDelayInherited).
        if (options.NoDelay)
            TrySetNoDelay(_listenSocket);
        _listenSocket.Listen(options.Backlog);
        DeferAccept(_listenSocket);
        _contexts = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = options.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = options.MaxReadBufferSize,
                MaxWriteBufferSize = options.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        // Accepts on a thread of its own, so a reconnect storm's backlog of work on the thread pool never
        // delays the next accept (the kernel's accept queue would overflow, and its clients retry after 1 s).
        // Neither it nor the connections it starts carry the binding caller's async-local state.
        var thread = new Thread(AcceptLoop) { IsBackground = true, Name = "Notifications accept" };
        thread.UnsafeStart();
    }

    public EndPoint EndPoint { get; }

    /// <summary>The next socket for HTTP; null once the listener is unbound.</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _forHttp.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    private void AcceptLoop()
    {
        AcceptThread.MarkCurrent();
        try
        {
            while (AcceptOne() is { } socket)
            {
                if (!NoDelayInherited(socket))
                {
                    try
                    {
                        socket.NoDelay = _options.NoDelay;
                    }
                    catch (SocketException)
                    {
                        BareSocketWire.Close(socket, connected: false); // already reset
                        continue;
                    }
                }
                lock (_lock)
                    _running++;
                if (MoreWaiting())
                    ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Listener.RunAsync(state.Socket), (Listener: this, Socket: socket), preferLocal: false);
                else
                    _ = RunAsync(socket);
            }
        }
        finally
        {
            _acceptLoopEnded.TrySetResult();
        }
    }

    /// <summary>
    /// Whether more connections wait to be accepted. If none do, the socket just accepted runs on this thread up to its
    /// first wait: with deferred accepts its head is already there, so the handshake is read, answered and its receive
    /// started without a thread-pool hop. If some do (a reconnect storm), each goes to the thread pool, so the cores share them.
    /// </summary>
    private bool MoreWaiting()
    {
        try
        {
            return _listenSocket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // unbound: the next accept ends the loop
        }
    }

    /// <summary>
    /// Whether accepted sockets already have the TCP_NODELAY we want, copied from the listening socket (Linux does;
    /// not every system does): asked of the first socket only, then taken as the answer for every socket.
    /// </summary>
    private bool NoDelayInherited(Socket socket)
    {
        if (_noDelayInherited is { } known)
            return known;
        try
        {
            _noDelayInherited = socket.NoDelay == _options.NoDelay;
        }
        catch (SocketException)
        {
            return false; // already reset: ask the next one
        }
        return _noDelayInherited.Value;
    }

    /// <summary>
    /// Linux hands over a new connection only once its first bytes have come (TCP_DEFER_ACCEPT), so the
    /// accept thread finds the request head there and never waits for it. Every client of this port
    /// speaks first (HTTP, TLS, HTTP/2). Elsewhere sockets are accepted at once and wait for their head.
    /// </summary>
    private static void DeferAccept(Socket listener)
    {
        if (!OperatingSystem.IsLinux())
            return;
        const int TcpDeferAccept = 9; // <netinet/tcp.h>; .NET has no name for it
        try
        {
            listener.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpDeferAccept, BitConverter.GetBytes(DeferAcceptSeconds));
        }
        catch (SocketException)
        {
            // Not supported here: sockets wait for their head after the accept instead.
        }
    }

    private static void TrySetNoDelay(Socket socket)
    {
        try
        {
            socket.NoDelay = true;
        }
        catch (SocketException)
        {
            // Not supported here: each accepted socket gets it instead.
        }
    }

    /// <summary>The next accepted socket (blocking this thread until one comes), or null once unbound.</summary>
    private Socket? AcceptOne()
    {
        while (true)
        {
            try
            {
                return _listenSocket.Accept();
            }
            catch (Exception) when (_stoppingToken.IsCancellationRequested)
            {
                return null; // unbound: disposing the listening socket ends a blocked accept
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of descriptors or memory: retrying at once would spin. The backlog holds the waiting clients meanwhile.
                Log.AcceptFailed(_logger, e, e.SocketErrorCode);
                Thread.Sleep(100);
            }
            catch (SocketException)
            {
                // That one connection failed (reset while it waited in the backlog, or a network error).
            }
            catch (Exception e)
            {
                Log.AcceptFailedUnexpectedly(_logger, e);
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>A new socket: upgraded here (then its wire reports its end, <see cref="Ended"/>), handed to HTTP, or closed.</summary>
    private async Task RunAsync(Socket socket)
    {
        var outcome = BareSocketHandshake.Outcome.Gone;
        try
        {
            outcome = await _upgrade.UpgradeAsync(socket, this, _stoppingToken);
            if (outcome == BareSocketHandshake.Outcome.ForHttp)
                HandToHttp(socket);
        }
        catch (Exception e)
        {
            Log.UpgradeFailed(_logger, e);
            BareSocketWire.Close(socket);
        }
        finally
        {
            if (outcome != BareSocketHandshake.Outcome.Upgraded)
                Left();
        }
    }

    /// <summary>An upgraded socket was closed (<see cref="BareSocketWire.End"/>): its address is released, and it no longer holds up a stop.</summary>
    public void Ended(string address)
    {
        _upgrade.Release(address);
        Left();
    }

    private void Left()
    {
        lock (_lock)
        {
            if (--_running == 0)
                _noneRunning?.TrySetResult();
        }
    }

    private void HandToHttp(Socket socket)
    {
        // Once unbound, Kestrel takes no more connections, and the factory may be gone: this socket still
        // counts as running, so the unbind waits for it before the factory is disposed.
        bool unbound;
        lock (_lock)
            unbound = _unbound;
        if (unbound)
        {
            BareSocketWire.Close(socket);
            return;
        }
        var connection = _contexts.Create(socket);
        if (!_forHttp.Writer.TryWrite(connection))
            _ = connection.DisposeAsync(); // unbound meanwhile
    }
}
