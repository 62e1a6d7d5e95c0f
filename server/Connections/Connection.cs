using System.Net.WebSockets;
using System.Threading.Channels;
using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// One client socket. Producers only ever enqueue into its bounded outbox; a single send loop
/// drains it, so nothing else writes to the socket. The receive loop runs beside it. When either
/// ends, the other gets <see cref="CloseGrace"/> to finish, then the socket is aborted.
/// </summary>
internal sealed partial class Connection : IAlertSender
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly Channel<byte[]> _outbox;
    private readonly OutboundAlerts _outbound;
    private readonly ConnectionOptions _options;
    private readonly NotificationsMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _startedAt;
    private readonly CancellationTokenSource _sendCancel;
    private readonly TokenBucket _alertBudget;
    private int _strikes;
    private int _closeReason = -1;
    private long _framesIn, _framesOut, _alertsAccepted, _errorsSent;

    /// <param name="replayCapacity">Room for this connection's welcome and resume replay on top of the live queue, so catching up never counts as reading slowly.</param>
    public Connection(long id, string remote, WebSocket socket, OutboundAlerts outbound, ConnectionOptions options,
        int replayCapacity, TimeProvider clock, NotificationsMetrics metrics, ILogger logger)
    {
        Id = id;
        Remote = remote;
        _socket = socket;
        _outbound = outbound;
        _options = options;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _startedAt = clock.GetTimestamp();
        _sendCancel = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        _alertBudget = new TokenBucket(options.AlertRatePerSecond, options.AlertBurst, clock);
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.SendQueueCapacity + replayCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Id { get; }
    public string Remote { get; }

    /// <summary>Queues a frame without ever waiting. A full queue means the client stopped reading: it is closed with 1013.</summary>
    public bool TryEnqueue(byte[] frame)
    {
        if (_outbox.Writer.TryWrite(frame))
            return true;
        if (RequestClose(CloseReason.SlowClient))
            Log.SlowClient(_logger, Id, Remote, _options.SendQueueCapacity);
        return false;
    }

    /// <summary>
    /// Asks the send loop to close the socket; the first reason wins. True if this call set it.
    /// A send stuck on a peer that stopped reading is cancelled after the grace period, so closing
    /// never waits on the client.
    /// </summary>
    public bool RequestClose(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
            return false;
        _outbox.Writer.TryComplete();
        try
        {
            _sendCancel.CancelAfter(CloseGrace);
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
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

    private CloseReason? ClosingFor => _closeReason < 0 ? null : (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Runs both loops until the connection is over, then logs one summary line. The welcome is already queued.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        var sending = SendLoopAsync();
        var receiving = ReceiveLoopAsync(aborted);
        await Task.WhenAny(sending, receiving);

        // The receive side ended first (the client closed, or the connection failed): let the send loop answer.
        if (receiving.IsCompleted)
            RequestClose(await receiving);
        var both = Task.WhenAll(sending, receiving);
        if (await Task.WhenAny(both, Task.Delay(CloseGrace, _clock)) != both)
            _socket.Abort();
        await both;

        _sendCancel.Dispose();
        var duration = _clock.GetElapsedTime(_startedAt);
        var reason = ClosingFor ?? CloseReason.Aborted;
        _metrics.ConnectionClosed(reason.Label());
        Log.Closed(_logger, Id, Remote, reason, duration.TotalSeconds,
            _framesIn, _alertsAccepted, _framesOut, _errorsSent);
    }
}
