using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Transport;

/// <summary>
/// Lends <see cref="SendRing"/>s to the threads that start a broadcast's send pumps, one ring per thread at a
/// time, and keeps them for the next (as many as ever ran at once, at most two per core). Off when
/// <c>WS_SEND_RING</c> is false or the kernel gives no ring; then every send is a <c>send()</c> of its own.
/// </summary>
internal sealed partial class SendRings : IDisposable
{
    /// <summary>
    /// Sends per submission. The kernel does a submission's sends without a break, and a thread it wakes meanwhile (a
    /// receive loop of ours, or a client on the same host) waits for the end: larger rings saved more CPU but lengthened the tail.
    /// </summary>
    public const int Entries = 16;

    private readonly Lock _lock = new();
    private readonly Stack<SendRing> _idle = new();
    private readonly ILogger<SendRings> _logger;
    private volatile bool _enabled;
    private bool _disposed;
    private int _warned;
    private int _brokenSaid;
    private int _made = 1;
    private long _sentTogether;
    private int _limit = 2 * Environment.ProcessorCount;

    public SendRings(IOptions<TransportOptions> options, ILogger<SendRings> logger)
    {
        _logger = logger;
        if (!options.Value.SendRing)
        {
            Log.Off(logger);
            return;
        }
        if (SendRing.TryCreate(Entries, out string? unavailable) is not { } first)
        {
            Log.Unavailable(logger, unavailable);
            return;
        }
        _idle.Push(first);
        _enabled = true;
        Log.On(logger, Entries);
    }

    public bool IsEnabled => _enabled;

    /// <summary>Sends made through rings since start (tests check the path was taken).</summary>
    internal long SentTogether => Interlocked.Read(ref _sentTogether);

    /// <summary>Counts <paramref name="sends"/> made through a ring.</summary>
    public void Counted(int sends) => Interlocked.Add(ref _sentTogether, sends);

    /// <summary>A ring for this thread's use until <see cref="Return"/>; null when rings are off or all are lent out.</summary>
    public SendRing? Rent()
    {
        if (!_enabled)
            return null;
        lock (_lock)
        {
            if (_disposed)
                return null;
            if (_idle.TryPop(out var ring))
                return ring;
            // More parts at once than this are rare (one per core per broadcast); they send one by one.
            if (_made >= _limit)
                return null;
            _made++;
        }
        SendRing? made = null;
        string? unavailable;
        try
        {
            made = SendRing.TryCreate(Entries, out unavailable);
        }
        catch (OutOfMemoryException e)
        {
            unavailable = e.Message;
        }
        if (made is null)
        {
            // The kernel gave the first ring and not this one (out of memory, or a limit on locked memory): make no more.
            lock (_lock)
                _limit = --_made;
            if (Interlocked.Exchange(ref _warned, 1) == 0)
                Log.NoMore(_logger, unavailable);
        }
        return made;
    }

    public void Return(SendRing ring)
    {
        if (ring.IsBroken)
        {
            // Not the sends (those fail alone) but the ring: something is wrong with io_uring here, so stop using it.
            _enabled = false;
            if (Interlocked.Exchange(ref _brokenSaid, 1) == 0)
                Log.Broken(_logger);
            return;
        }
        lock (_lock)
        {
            if (!_disposed)
            {
                _idle.Push(ring);
                return;
            }
        }
        ring.Dispose();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_idle.TryPop(out var ring))
                ring.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Broadcast sends: io_uring submissions of up to {Entries} sends")]
        public static partial void On(ILogger logger, int entries);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Broadcast sends: one send() per socket (WS_SEND_RING is false)")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Broadcast sends: one send() per socket, as io_uring is unavailable here: {Reason}")]
        public static partial void Unavailable(ILogger logger, string? reason);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "No further io_uring could be made, so parts beyond the rings made send one by one (said once): {Reason}")]
        public static partial void NoMore(ILogger logger, string? reason);

        [LoggerMessage(EventId = 1305, Level = LogLevel.Error, Message = "The kernel refused an io_uring submission itself; broadcast sends go one send() per socket from now on")]
        public static partial void Broken(ILogger logger);
    }
}
