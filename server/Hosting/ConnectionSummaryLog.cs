using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Hosting;

/// <summary>
/// One Information line every <c>LOG_SUMMARY_SECONDS</c> with what connections did in that interval:
/// accepted, refused by HTTP status, closed by reason, and how many are open. An operator still sees a
/// reconnect storm or a wave of refusals without a line per socket (those are Debug, unless
/// <c>LOG_CONNECTIONS</c>); an interval in which nothing happened writes nothing.
/// </summary>
internal sealed partial class ConnectionSummaryLog(
    NotificationsMetrics metrics, IOptions<ConnectionOptions> options, TimeProvider clock, ILogger<ConnectionSummaryLog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.LogSummarySeconds), clock);
        var last = metrics.ReadConnections();
        long lastAt = clock.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                (last, lastAt) = Summarize(last, lastAt);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the host has drained the sockets by now, and the last line says how they went.
            Summarize(last, lastAt);
        }
    }

    private (ConnectionActivity, long) Summarize(ConnectionActivity last, long lastAt)
    {
        var now = metrics.ReadConnections();
        long nowAt = clock.GetTimestamp();
        if (ConnectionSummary.Between(last, now) is { } summary)
        {
            Log.Summary(logger, clock.GetElapsedTime(lastAt, nowAt).TotalSeconds, summary.Accepted, summary.Refused, summary.RefusedByStatus,
                summary.Closed, summary.ClosedByReason, now.Open);
        }
        return (now, nowAt);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Information,
            Message = "Connections in the last {IntervalSeconds:0.#} s: {Accepted} accepted, {Refused} refused ({RefusedByStatus}), {Closed} closed ({ClosedByReason}); {Open} open.")]
        public static partial void Summary(ILogger logger, double intervalSeconds, long accepted, long refused, string refusedByStatus,
            long closed, string closedByReason, long open);
    }
}
