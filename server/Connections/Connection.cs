using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Messages;
using Notifications.Metrics;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// One client socket: what its messages mean and the limits it lives by. The protocol is its
/// <see cref="FrameReader"/>'s (frames in, read in place from the wire's pipe) and
/// <see cref="SocketFrame"/>'s (frames out); the bytes travel over its <see cref="SocketWire"/>.
/// Producers only ever add ready-made frames to its bounded queue; a send pump, started on the thread
/// pool only when frames wait and none is running, writes everything queued in one batch, and is the
/// only writer: the pong, keep-alive pings and the close frame go out through it too. Once a close is
/// requested, the client has <see cref="CloseGrace"/> to take the close frame and answer it; then the
/// connection is aborted.
/// </summary>
internal sealed partial class Connection : IFrameHandler, IThreadPoolWorkItem, ISetMember
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    /// <summary>A failed connection is not owed a close handshake: time enough to send the close frame and see the client go.</summary>
    private static readonly TimeSpan FailedCloseGrace = TimeSpan.FromMilliseconds(500);

    private readonly SocketWire _wire;
    private readonly Lock _queueLock = new();
    private readonly List<SocketFrame> _queue = [];
    // Frames in _queue, which is fewer entries when a broadcast joined several (SocketFrame.JoinText, SocketFrame.Pick).
    private int _queued;
    private int _queueCapacity;
    // The answer to the latest ping, not yet sent. Pongs never take room in the queue, and a ping that
    // comes before the last one was answered replaces it: only the latest needs an answer (RFC 6455 §5.5.3).
    private byte[]? _pong;
    // The pump's end: set when it has sent the close frame (or failed); the waiter is made only if RunAsync must wait for it.
    private bool _sendFinished;
    private TaskCompletionSource? _sendDone;
    private int _inFlight;
    private bool _pumping;
    // Whether the opener holds the pump (HoldPump), and whether one was claimed meanwhile: then the opener runs it.
    private const int PumpNotHeld = 0, PumpHeld = 1, PumpHeldAndClaimed = 2;
    private int _pumpHeld;
    private readonly ConnectionServices _services;
    private readonly ConnectionOptions _options;
    private readonly NotificationsMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _startedAt;
    // Aborts the connection CloseGrace after a close is requested, which ends a send stuck on a peer that
    // stopped reading and a wait for a close frame that never comes. Made only then: an idle socket holds
    // no timer of its own.
    private ITimer? _closeDeadline;
    private int _runEnded;
    // Keep-alive: set by every read that brought bytes, cleared by each check (see CheckAlive).
    private int _heard;
    private bool _pingUnanswered;
    // Frames written as of the last keep-alive check, to tell a write stuck for a whole interval.
    private long _framesOutAtCheck;
    // Made at the first message: a socket that only listens never needs one (a new bucket starts full, as an old one would be).
    private TokenBucket? _alertBudget;
    // Subscribe, unsubscribe and refresh requests (see TakeRequest), likewise made at the first.
    private TokenBucket? _requestBudget;
    private int _alertStrikes, _requestStrikes;
    private int _closeReason = -1;
    private long _framesIn, _framesOut, _alertsAccepted, _errorsSent;
    private readonly SocketTransport _transport;
    // The receive side's protocol state; only RunAsync's loop touches it.
    private FrameReader _frames;

    /// <param name="identity">Who the connection's token says it is; null for an anonymous socket.</param>
    public Connection(long id, string remote, SocketTransport transport, SocketWire wire, ConnectionServices services,
        ConnectionOptions options, TimeProvider clock, NotificationsMetrics metrics, ILogger logger, ConnectionIdentity? identity = null)
    {
        Id = id;
        Remote = remote;
        _transport = transport;
        _wire = wire;
        _services = services;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _startedAt = clock.GetTimestamp();
        _queueCapacity = options.SendQueueCapacity;
        _frames = new FrameReader(options.MaxMessageBytes);
        if (identity is not null)
            SignIn(identity);
    }

    public long Id { get; }
    public string Remote { get; }

    int ISetMember.Slot { get; set; } = -1;

    /// <summary>The other protocol this socket speaks (Pusher's); null for our own. Set once, before the connection is registered.</summary>
    public IConnectionDialect? Dialect { get; private set; }

    /// <summary>Makes this connection speak <paramref name="dialect"/>: its messages go there, and it leaves <c>global</c>.</summary>
    public void Speak(IConnectionDialect dialect) => Dialect = dialect;

    /// <summary>
    /// Queues the frames a new connection starts with, its welcome and resume replay, in room of their
    /// own on top of the live queue, so catching up never counts as reading slowly. Called once, before
    /// the connection is registered.
    /// </summary>
    public void Open(SocketFrame welcome, IReadOnlyList<SocketFrame> replay) => EnqueueReplay(welcome, replay);

    /// <summary>
    /// Queues an answer and the replay that follows it in room of their own on top of the live queue (up to
    /// <see cref="ConnectionServices.ReplayRoom"/>), so catching up never counts as reading slowly. The room
    /// is taken back once the queue has been written out.
    /// </summary>
    public void EnqueueReplay(SocketFrame answer, IReadOnlyList<SocketFrame> replay)
    {
        bool startPump = false, fits = true;
        lock (_queueLock)
        {
            if (ClosingFor is not null)
                return;
            int count = answer.Count;
            foreach (var frame in replay)
                count += frame.Count;
            // All at once: a pump that went idle between two frames would take the room back under the rest.
            _queueCapacity = Math.Min(_queueCapacity + count, _options.SendQueueCapacity + _services.ReplayRoom);
            fits = _queued + _inFlight + count <= _queueCapacity;
            if (fits)
            {
                _queue.Add(answer);
                _queue.AddRange(replay);
                _queued += count;
                startPump = ClaimPump();
            }
        }
        if (!fits && RequestClose(CloseReason.SlowClient))
            Log.SlowClient(_logger, Id, Remote, _options.SendQueueCapacity);
        if (startPump)
            StartPump();
    }

    /// <summary>
    /// Queues a frame without ever waiting, and starts the send pump if it is idle. A full queue
    /// (frames waiting plus the batch being written) means the client stopped reading: it is closed
    /// with 1013. Once closing, nothing more is queued.
    /// </summary>
    public bool TryEnqueue(SocketFrame frame)
    {
        bool accepted = Enqueue(frame, out bool startPump);
        if (startPump)
            StartPump();
        return accepted;
    }

    /// <summary>
    /// As <see cref="TryEnqueue(SocketFrame)"/>, but an idle pump is not started: the connection is added to
    /// <paramref name="idle"/>, and the caller starts the pumps of many connections together
    /// (<see cref="PumpStarter"/>), a part per core instead of a thread-pool item per socket. Frames joined
    /// (<see cref="SocketFrame.JoinText"/>, <see cref="SocketFrame.Pick"/>) are taken all together or not at all, which closes the connection as for one frame.
    /// </summary>
    public bool TryEnqueue(SocketFrame frame, List<Connection> idle)
    {
        bool accepted = Enqueue(frame, out bool startPump);
        if (startPump)
            idle.Add(this);
        return accepted;
    }

    private bool Enqueue(SocketFrame frame, out bool startPump)
    {
        bool accepted;
        startPump = false;
        lock (_queueLock)
        {
            if (ClosingFor is not null)
                return false;
            accepted = _queued + _inFlight + frame.Count <= _queueCapacity;
            if (accepted)
            {
                _queue.Add(frame);
                _queued += frame.Count;
                startPump = ClaimPump();
            }
        }
        if (!accepted && RequestClose(CloseReason.SlowClient))
            Log.SlowClient(_logger, Id, Remote, _options.SendQueueCapacity);
        return accepted;
    }

    /// <summary>
    /// Asks the send pump to close the socket; the first reason wins. True if this call set it.
    /// The connection is aborted after the grace period, so closing never waits on the client.
    /// </summary>
    public bool RequestClose(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
            return false;
        ArmCloseDeadline(reason);
        // The pump sends the close frame after what is queued; start it if it is idle.
        bool startPump;
        lock (_queueLock)
            startPump = ClaimPump();
        if (startPump)
            StartPump();
        return true;
    }

    /// <summary>
    /// As <see cref="RequestClose(CloseReason)"/>, from the receive loop once the input has ended: an idle pump runs on
    /// this thread, and the deadline is set only if its sending must wait. A reset then costs no thread-pool hop and no timer.
    /// </summary>
    private void CloseAfterInput(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
            return;
        bool claimed;
        lock (_queueLock)
            claimed = ClaimPump();
        if (claimed)
            RunPump();
        bool finished;
        lock (_queueLock)
            finished = _sendFinished;
        if (!finished)
            ArmCloseDeadline(reason);
    }

    private void ArmCloseDeadline(CloseReason reason)
    {
        // The pump may finish the connection before the timer is stored: whichever of this and RunAsync's end
        // comes second disposes it (both sides use full fences).
        var grace = reason.FailsConnection() ? FailedCloseGrace : CloseGrace;
        Interlocked.Exchange(ref _closeDeadline, _clock.CreateTimer(static wire => ((SocketWire)wire!).Abort(), _wire, grace, Timeout.InfiniteTimeSpan));
        if (Volatile.Read(ref _runEnded) == 1)
            Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
    }

    /// <summary>Shutdown: a hint when to come back (spread so pages do not stampede), then a 1012 close after what is queued.</summary>
    public void BeginShutdown(int reconnectAfterMs)
    {
        if (Dialect is null)
            TryEnqueue(Frames.GoAway(reconnectAfterMs, _services.Bus.Stamp(_clock.GetUtcNow())));
        else if (Dialect.ShutdownFrame() is { } frame)
            TryEnqueue(SocketFrame.Text(frame));
        RequestClose(CloseReason.ServerShutdown);
    }

    /// <summary>Ends the connection now, without a close frame: for the shutdown deadline, when closing politely took too long.</summary>
    public void Abort() => _wire.Abort();

    /// <summary>The alert this client sent as <paramref name="text"/> was given up: it was never published.</summary>
    public void PublishFailed(string text, string reason) =>
        SendError(ErrorCodes.PublishFailed, $"Your alert \"{Shorten(text)}\" was not sent: {reason}. Try again.");

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    /// <summary>
    /// The keep-alive check, every <c>WS_KEEPALIVE_SECONDS</c> (<see cref="KeepAlive"/>): a peer that sent
    /// nothing since the last check's ping is dead and is aborted; any other gets a ping, which it must
    /// answer (or send anything) before the next check.
    /// </summary>
    public void CheckAlive()
    {
        // A peer that stopped reading while it still sends (pongs, a trickle) passes the check below; one write
        // that has not finished in a whole interval is its sign, long before a quiet instance fills its queue.
        long written = Volatile.Read(ref _framesOut);
        bool stalled = Volatile.Read(ref _inFlight) > 0 && written == _framesOutAtCheck;
        _framesOutAtCheck = written;
        if (stalled)
        {
            if (RequestClose(CloseReason.SlowClient))
                Log.StalledWrite(_logger, Id, Remote, _options.KeepAliveSeconds);
            return;
        }
        bool heard = Interlocked.Exchange(ref _heard, 0) == 1;
        if (_pingUnanswered && !heard)
        {
            if (RequestClose(CloseReason.Unresponsive))
                Log.Unresponsive(_logger, PerConnectionLevel(_options), Id, Remote, _options.KeepAliveSeconds);
            _wire.Abort();
            return;
        }
        _pingUnanswered = TryEnqueue(SocketFrame.Ping);
        Dialect?.OnKeepAlive(heard);
    }

    private CloseReason? ClosingFor => _closeReason < 0 ? null : (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>
    /// Receives until the connection is over, waits for the send pump to finish (the close deadline
    /// bounds both), leaves <paramref name="registry"/>, then logs one summary line. The welcome is
    /// already queued. One async method serves the socket's whole life: each pending one is memory
    /// an idle socket holds.
    /// </summary>
    public async Task RunAsync(ConnectionRegistry registry)
    {
        try
        {
            var input = _wire.Input;
            // Unless the client's close frame comes first, its bytes ended with its TCP connection.
            var ended = CloseReason.Dropped;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync();
                    var buffer = result.Buffer;
                    CloseReason? verdict;
                    try
                    {
                        verdict = Receive(ref buffer);
                    }
                    finally
                    {
                        input.AdvanceTo(buffer.Start, result.Buffer.End);
                    }
                    if (verdict is not null)
                    {
                        ended = verdict.Value;
                        break;
                    }
                    if (result.IsCanceled || result.IsCompleted)
                        break;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection failed or was aborted under the read.
            }
            catch (Exception e)
            {
                Log.ReceiveFailed(_logger, e, Id);
                ended = CloseReason.ServerError;
            }
            // The receive side ended first (the client closed, or the connection failed): let the pump answer.
            CloseAfterInput(ended);
            await SendFinished();
        }
        finally
        {
            _wire.End();
            Interlocked.Exchange(ref _runEnded, 1);
            Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
            _frames.Release();
            Dialect?.OnEnd();
            LeaveChannels(registry);
            registry.Remove(this);
            _services.Budgets.Closed(Remote, _alertBudget);
        }

        var duration = _clock.GetElapsedTime(_startedAt);
        var reason = ClosingFor ?? CloseReason.Dropped;
        _metrics.ConnectionClosed(reason.Label(), _transport.Label());
        Log.Closed(_logger, PerConnectionLevel(_options), Id, Remote, reason, duration.TotalSeconds,
            _framesIn, _alertsAccepted, _framesOut, _errorsSent);
    }
}
