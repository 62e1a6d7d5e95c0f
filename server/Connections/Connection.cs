using System.Net.WebSockets;
using System.Threading.Channels;
using Notifications.Bus;
using Notifications.Configuration;

namespace Notifications.Connections;

/// <summary>
/// One client socket. Producers only ever enqueue into its bounded outbox; a single send loop
/// drains it, so nothing else writes to the socket. The receive loop runs beside it. When either
/// ends, the other gets <see cref="CloseGrace"/> to finish, then the socket is aborted.
/// </summary>
internal sealed partial class Connection
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly Channel<byte[]> _outbox;
    private readonly AlertPublisher _publisher;
    private readonly ConnectionOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _startedAt;
    private int _closeReason = -1;
    private long _framesIn, _framesOut, _alertsPublished, _errorsSent;

    public Connection(long id, string remote, WebSocket socket, AlertPublisher publisher,
        ConnectionOptions options, TimeProvider clock, ILogger logger)
    {
        Id = id;
        Remote = remote;
        _socket = socket;
        _publisher = publisher;
        _options = options;
        _clock = clock;
        _logger = logger;
        _startedAt = clock.GetTimestamp();
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.SendQueueCapacity)
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

    /// <summary>Asks the send loop to close the socket; the first reason wins. True if this call set it.</summary>
    public bool RequestClose(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) != -1)
            return false;
        _outbox.Writer.TryComplete();
        return true;
    }

    private CloseReason? ClosingFor => _closeReason < 0 ? null : (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Runs both loops until the connection is over, then logs one summary line.</summary>
    public async Task RunAsync(byte[] welcome, CancellationToken aborted)
    {
        TryEnqueue(welcome);
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

        var duration = _clock.GetElapsedTime(_startedAt);
        Log.Closed(_logger, Id, Remote, ClosingFor ?? CloseReason.Aborted, duration.TotalSeconds,
            _framesIn, _alertsPublished, _framesOut, _errorsSent);
    }
}
