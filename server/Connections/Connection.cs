using System.Net.WebSockets;
using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// One client socket. Producers only ever add ready-made frames to its bounded queue; a send pump,
/// started on the thread pool only when frames wait and none is running, writes everything queued
/// in one batch, so nothing else writes data to the socket. The receive loop runs beside it. When
/// either side ends, the other gets <see cref="CloseGrace"/> to finish, then the socket is aborted.
/// </summary>
internal sealed partial class Connection : IAlertSender, IThreadPoolWorkItem
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly SharedWriteStream _stream;
    private readonly Lock _queueLock = new();
    private readonly List<SocketFrame> _queue = [];
    private readonly int _queueCapacity;
    private readonly TaskCompletionSource _sendDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private bool _pumping;
    private readonly OutboundAlerts _outbound;
    private readonly ConnectionOptions _options;
    private readonly NotificationsMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _startedAt;
    // Cancels sends stuck on a peer that stopped reading, CloseGrace after a close is requested. The
    // deadline's timer is made only then: an idle socket holds no timer of its own for it.
    private readonly CancellationTokenSource _sendCancel = new();
    private ITimer? _sendDeadline;
    private readonly TokenBucket _alertBudget;
    private int _strikes;
    private int _closeReason = -1;
    private long _framesIn, _framesOut, _alertsAccepted, _errorsSent;

    /// <param name="replayCapacity">Room for this connection's welcome and resume replay on top of the live queue, so catching up never counts as reading slowly.</param>
    /// <param name="stream">The stream <paramref name="socket"/> runs on, where data frames are written directly.</param>
    public Connection(long id, string remote, WebSocket socket, SharedWriteStream stream, OutboundAlerts outbound, ConnectionOptions options,
        int replayCapacity, TimeProvider clock, NotificationsMetrics metrics, ILogger logger)
    {
        Id = id;
        Remote = remote;
        _socket = socket;
        _stream = stream;
        _outbound = outbound;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _startedAt = clock.GetTimestamp();
        _alertBudget = new TokenBucket(options.AlertRatePerSecond, options.AlertBurst, clock);
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
        bool accepted, startPump = false;
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
        if (startPump)
            StartPump();
        else if (!accepted && RequestClose(CloseReason.SlowClient))
            Log.SlowClient(_logger, Id, Remote, _options.SendQueueCapacity);
        return accepted;
    }

    /// <summary>
    /// Asks the send pump to close the socket; the first reason wins. True if this call set it.
    /// A send stuck on a peer that stopped reading is cancelled after the grace period, so closing
    /// never waits on the client.
    /// </summary>
    public bool RequestClose(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
            return false;
        // Set before the pump can finish the connection, so RunAsync's end always sees the timer to dispose.
        _sendDeadline = _clock.CreateTimer(static state => CancelSends((CancellationTokenSource)state!), _sendCancel, CloseGrace, Timeout.InfiniteTimeSpan);
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

    /// <summary>The publisher gave up on an alert this client sent.</summary>
    public void PublishFailed(AlertMessage alert, string reason) =>
        SendError(ErrorCodes.PublishFailed, $"Your alert \"{Shorten(alert.Text)}\" was not sent: {reason}. Try again.");

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    private static void CancelSends(CancellationTokenSource sends)
    {
        try
        {
            sends.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
    }

    private CloseReason? ClosingFor => _closeReason < 0 ? null : (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>
    /// Runs both loops until the connection is over, leaves <paramref name="registry"/>, then logs one
    /// summary line. The welcome is already queued.
    /// </summary>
    public async Task RunAsync(ConnectionRegistry registry, CancellationToken aborted)
    {
        try
        {
            var sending = _sendDone.Task;
            var receiving = ReceiveLoopAsync(aborted);
            await Task.WhenAny(sending, receiving);

            // The receive side ended first (the client closed, or the connection failed): let the send loop answer.
            if (receiving.IsCompleted)
                RequestClose(await receiving);
            var both = Task.WhenAll(sending, receiving);
            if (await Task.WhenAny(both, Task.Delay(CloseGrace, _clock)) != both)
                _socket.Abort();
            await both;
        }
        finally
        {
            registry.Remove(this);
        }

        _sendDeadline?.Dispose();
        _sendCancel.Dispose();
        var duration = _clock.GetElapsedTime(_startedAt);
        var reason = ClosingFor ?? CloseReason.Aborted;
        _metrics.ConnectionClosed(reason.Label());
        Log.Closed(_logger, Id, Remote, reason, duration.TotalSeconds,
            _framesIn, _alertsAccepted, _framesOut, _errorsSent);
    }
}
