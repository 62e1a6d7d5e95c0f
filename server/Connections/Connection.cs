using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// One client socket, speaking RFC 6455 itself over its <see cref="SocketWire"/>. Producers only ever
/// add ready-made frames to its bounded queue; a send pump, started on the thread pool only when
/// frames wait and none is running, writes everything queued in one batch, and is the only writer:
/// pongs, keep-alive pings and the close frame are queued like any other frame. The receive loop
/// reads frames in place from the wire's pipe. Once a close is requested, the client has
/// <see cref="CloseGrace"/> to take the close frame and answer it; then the connection is aborted.
/// </summary>
internal sealed partial class Connection : IAlertSender, IThreadPoolWorkItem
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly SocketWire _wire;
    private readonly Lock _queueLock = new();
    private readonly List<SocketFrame> _queue = [];
    private readonly int _queueCapacity;
    // The pump's end: set when it has sent the close frame (or failed); the waiter is made only if RunAsync must wait for it.
    private bool _sendFinished;
    private TaskCompletionSource? _sendDone;
    private int _inFlight;
    private bool _pumping;
    private readonly OutboundAlerts _outbound;
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
    // Made at the first message: a socket that only listens never needs one (a new bucket starts full, as an old one would be).
    private TokenBucket? _alertBudget;
    private int _strikes;
    private int _closeReason = -1;
    private long _framesIn, _framesOut, _alertsAccepted, _errorsSent;

    /// <param name="replayCapacity">Room for this connection's welcome and resume replay on top of the live queue, so catching up never counts as reading slowly.</param>
    public Connection(long id, string remote, SocketWire wire, OutboundAlerts outbound, ConnectionOptions options,
        int replayCapacity, TimeProvider clock, NotificationsMetrics metrics, ILogger logger)
    {
        Id = id;
        Remote = remote;
        _wire = wire;
        _outbound = outbound;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _startedAt = clock.GetTimestamp();
        _queueCapacity = options.SendQueueCapacity + replayCapacity;
    }

    public long Id { get; }
    public string Remote { get; }

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
    /// As <see cref="TryEnqueue(SocketFrame)"/>, but an idle pump is not started: the connection is added
    /// to <paramref name="idle"/>, and the caller starts the pumps of many connections together
    /// (<see cref="PumpStarter"/>), one thread-pool item per core instead of one per socket.
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
            accepted = _queue.Count + _inFlight < _queueCapacity;
            if (accepted)
            {
                _queue.Add(frame);
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
        // The pump may finish the connection before the timer is stored: whichever of this and RunAsync's end
        // comes second disposes it (both sides use full fences).
        Interlocked.Exchange(ref _closeDeadline, _clock.CreateTimer(static wire => ((SocketWire)wire!).Abort(), _wire, CloseGrace, Timeout.InfiniteTimeSpan));
        if (Volatile.Read(ref _runEnded) == 1)
            Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
        // The pump sends the close frame after what is queued; start it if it is idle.
        bool startPump;
        lock (_queueLock)
            startPump = ClaimPump();
        if (startPump)
            StartPump();
        return true;
    }

    /// <summary>Shutdown: a hint when to come back (spread so pages do not stampede), then a 1012 close after what is queued.</summary>
    public void BeginShutdown(int reconnectAfterMs)
    {
        TryEnqueue(Frames.GoAway(reconnectAfterMs));
        RequestClose(CloseReason.ServerShutdown);
    }

    /// <summary>Ends the connection now, without a close frame: for the shutdown deadline, when closing politely took too long.</summary>
    public void Abort() => _wire.Abort();

    /// <summary>The publisher gave up on an alert this client sent.</summary>
    public void PublishFailed(AlertMessage alert, string reason) =>
        SendError(ErrorCodes.PublishFailed, $"Your alert \"{Shorten(alert.Text)}\" was not sent: {reason}. Try again.");

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    /// <summary>
    /// The keep-alive check, every <c>WS_KEEPALIVE_SECONDS</c> (<see cref="KeepAlive"/>): a peer that sent
    /// nothing since the last check's ping is dead and is aborted; any other gets a ping, which it must
    /// answer (or send anything) before the next check.
    /// </summary>
    public void CheckAlive()
    {
        bool heard = Interlocked.Exchange(ref _heard, 0) == 1;
        if (_pingUnanswered && !heard)
        {
            if (RequestClose(CloseReason.Unresponsive))
                Log.Unresponsive(_logger, Id, Remote, _options.KeepAliveSeconds);
            _wire.Abort();
            return;
        }
        _pingUnanswered = TryEnqueue(SocketFrame.Ping);
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
            var ended = CloseReason.Aborted;
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
            }
            // The receive side ended first (the client closed, or the connection failed): let the pump answer.
            RequestClose(ended);
            await SendFinished();
        }
        finally
        {
            _wire.End();
            Interlocked.Exchange(ref _runEnded, 1);
            Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
            ReturnFragments();
            registry.Remove(this);
        }

        var duration = _clock.GetElapsedTime(_startedAt);
        var reason = ClosingFor ?? CloseReason.Aborted;
        _metrics.ConnectionClosed(reason.Label());
        Log.Closed(_logger, Id, Remote, reason, duration.TotalSeconds,
            _framesIn, _alertsAccepted, _framesOut, _errorsSent);
    }
}
