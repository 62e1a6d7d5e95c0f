using Grpc.Core;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Metrics;

namespace Notifications.Bus.PubSub;

/// <summary>
/// Deletes subscriptions that crashed instances left on our topic. A subscription is swept only when
/// this instance has itself watched it exist for SWEEP_AFTER_SECONDS and has heard no heartbeat from
/// its instance for as long, so a live instance, or one that has only just started, is never touched.
/// (If one were, it recreates its subscription on NOT_FOUND.) Registered only in Pub/Sub mode.
/// </summary>
internal sealed partial class SubscriptionSweeper(
    ISubscriptionAdmin admin,
    BusHealth health,
    FleetDirectory fleet,
    IOptions<InstanceOptions> instance,
    IOptions<FleetOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<SubscriptionSweeper> logger) : BackgroundService
{
    private readonly TimeSpan _sweepAfter = TimeSpan.FromSeconds(options.Value.SweepAfterSeconds);
    private readonly string _ownSubscription = PubSubNames.SubscriptionIdFor(instance.Value.InstanceId);
    private readonly Dictionary<string, long> _firstSeen = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_sweepAfter == TimeSpan.Zero)
            return;
        var interval = TimeSpan.FromSeconds(Math.Clamp(_sweepAfter.TotalSeconds / 4, 1, 60));
        // Jitter, so a fleet started together does not sweep in lockstep.
        while (await clock.TryDelayAsync(interval * (0.75 + Random.Shared.NextDouble() / 2), stoppingToken))
        {
            if (!health.IsReady)
                continue;
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.SweepFailed(logger, e.StatusCode, e.Status.Detail);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Log.SweepFailed(logger, StatusCode.DeadlineExceeded, "the call was cancelled");
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var existing = (await admin.ListInstanceSubscriptionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var alive = fleet.HeardWithin(_sweepAfter).Select(PubSubNames.SubscriptionIdFor).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _firstSeen.Keys.Where(id => !existing.Contains(id)).ToList())
            _firstSeen.Remove(gone);

        foreach (var id in existing)
        {
            _firstSeen.TryAdd(id, clock.GetTimestamp());
            if (id == _ownSubscription || alive.Contains(id) || clock.GetElapsedTime(_firstSeen[id]) < _sweepAfter)
                continue;
            if (await admin.DeleteSubscriptionAsync(id, cancellationToken))
            {
                metrics.Swept();
                Log.Swept(logger, id, _sweepAfter.TotalSeconds);
            }
            _firstSeen.Remove(id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7101, Level = LogLevel.Information,
            Message = "Swept subscription {Subscription}: its instance has sent no heartbeat for over {Seconds} s.")]
        public static partial void Swept(ILogger logger, string subscription, double seconds);

        [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Sweeping abandoned subscriptions failed with {StatusCode}: {Detail}. Trying again later.")]
        public static partial void SweepFailed(ILogger logger, StatusCode statusCode, string detail);
    }
}
