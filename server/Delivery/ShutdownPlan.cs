using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Delivery;

/// <summary>
/// How SHUTDOWN_TIMEOUT_SECONDS is shared on a graceful stop, and what could not be done in it. The
/// publisher flushes until <see cref="PublishTimeLeft"/>, leaving the rest for the subscription's
/// deletion; whatever is left undone, during a Pub/Sub outage say, is said in one line at the end.
/// </summary>
internal sealed partial class ShutdownPlan
{
    private readonly TimeProvider _clock;
    private readonly ILogger<ShutdownPlan> _logger;
    private readonly TimeSpan _budget;
    private readonly TimeSpan _deleteReserve;
    private readonly TimeSpan _margin;
    private long _stoppingAt = -1;
    private int _unpublished;
    private string? _publishReason;
    private string? _deleteFailure;

    public ShutdownPlan(IHostApplicationLifetime lifetime, IOptions<InstanceOptions> instance, TimeProvider clock, ILogger<ShutdownPlan> logger)
    {
        (_clock, _logger) = (clock, logger);
        _budget = TimeSpan.FromSeconds(instance.Value.ShutdownTimeoutSeconds);
        // The host itself still stops Kestrel after us; and the deletion is one call, so it needs little.
        _margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(500).Ticks, _budget.Ticks / 5));
        _deleteReserve = TimeSpan.FromTicks(Math.Clamp(_budget.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(2).Ticks));
        lifetime.ApplicationStopping.Register(() => Interlocked.CompareExchange(ref _stoppingAt, clock.GetTimestamp(), -1));
    }

    /// <summary>How long the publisher may still flush.</summary>
    public TimeSpan PublishTimeLeft => Left(_budget - _margin - _deleteReserve);

    /// <summary>How long the subscription's deletion may still take.</summary>
    public TimeSpan DeleteTimeLeft => Left(_budget - _margin);

    private TimeSpan Left(TimeSpan share)
    {
        long since = Interlocked.Read(ref _stoppingAt);
        var left = share - (since < 0 ? TimeSpan.Zero : _clock.GetElapsedTime(since));
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void Unpublished(int count, string reason) => (_unpublished, _publishReason) = (count, reason);

    public void NotDeleted(string? failure) => _deleteFailure = failure;

    /// <summary>The one line about what the stop could not do; nothing when it did everything.</summary>
    public void Report(string? subscription)
    {
        var undone = new List<string>();
        if (_unpublished > 0)
            undone.Add($"{_unpublished} alerts accepted from clients were not published ({_publishReason}); they are lost, but for any in the batch Pub/Sub was taking when the stop cut it short");
        if (_deleteFailure is not null)
            undone.Add($"subscription {subscription} was not deleted ({_deleteFailure}); it expires after a day unused, or the other instances' sweeper removes it");
        if (undone.Count > 0)
            Log.Undone(_logger, string.Join("; ", undone));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Stopped with work undone: {Undone}.")]
        public static partial void Undone(ILogger logger, string undone);
    }
}
