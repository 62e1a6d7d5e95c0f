using Grpc.Core;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Metrics;

namespace Notifications.Bus.PubSub;

/// <summary>
/// Deletes subscriptions that dead processes left on our topic. Once this process is ready, in the
/// background so its start never waits on it: those of this machine's earlier lives (<c>.Predecessors.cs</c>).
/// Then every while: those whose heartbeats have stopped. A subscription is swept only when this process
/// has itself watched it exist for SWEEP_AFTER_SECONDS and has heard no heartbeat naming it for as long, so
/// a live instance, or one that has only just started, is never touched. (If one were, it recreates its
/// subscription on NOT_FOUND.) Nor does it sweep while it does not hear its own heartbeats, or has heard them
/// again for less than a liveness window: a process deaf to the topic would take every live peer for dead.
/// Registered only in Pub/Sub mode.
/// </summary>
internal sealed partial class SubscriptionSweeper(
    ISubscriptionAdmin admin,
    BusHealth health,
    FleetDirectory fleet,
    IOptions<FleetOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<SubscriptionSweeper> logger) : BackgroundService
{
    private readonly TimeSpan _sweepAfter = TimeSpan.FromSeconds(options.Value.SweepAfterSeconds);
    private readonly TimeSpan _liveness = options.Value.LivenessWindow;
    private readonly Dictionary<string, long> _firstSeen = new(StringComparer.Ordinal);
    private long _hearingSince; // when this process last began hearing its own heartbeats; 0 while it does not
    private bool _toldDeaf;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await health.WaitUntilReadyAsync(stoppingToken))
            return;
        await DeletePredecessorsAsync(stoppingToken);
        if (_sweepAfter == TimeSpan.Zero)
            return;
        var interval = TimeSpan.FromSeconds(Math.Clamp(_sweepAfter.TotalSeconds / 4, 1, 60));
        // Jitter, so a fleet started together does not sweep in lockstep.
        while (await clock.TryDelayAsync(interval * (0.75 + Random.Shared.NextDouble() / 2), stoppingToken))
        {
            if (!health.IsReady || !HearsTheTopic())
                continue;
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                if (stoppingToken.IsCancellationRequested)
                    return;
                var (status, detail) = Failure(e, "the call was cancelled");
                Log.SweepFailed(logger, status, detail);
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var existing = (await admin.ListInstanceSubscriptionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var alive = AliveSubscriptions();
        foreach (var gone in _firstSeen.Keys.Where(id => !existing.Contains(id)).ToList())
            _firstSeen.Remove(gone);

        foreach (var id in existing)
        {
            _firstSeen.TryAdd(id, clock.GetTimestamp());
            if (id == admin.OwnSubscriptionId || alive.Contains(id) || clock.GetElapsedTime(_firstSeen[id]) < _sweepAfter)
                continue;
            if (await admin.DeleteSubscriptionAsync(id, cancellationToken))
            {
                metrics.Swept();
                Log.Swept(logger, id, _sweepAfter.TotalSeconds);
            }
            _firstSeen.Remove(id);
        }
    }

    /// <summary>Whether this process's own heartbeats come back, and have for a liveness window, so that a live peer's would have too.</summary>
    private bool HearsTheTopic()
    {
        long sent = fleet.OwnNewestHeartbeatSent;
        var quiet = sent == long.MinValue ? TimeSpan.MaxValue : clock.GetUtcNow() - new DateTimeOffset(sent, TimeSpan.Zero);
        if (quiet > _liveness)
        {
            // Once per spell.
            if (!_toldDeaf)
                Log.Deaf(logger, sent == long.MinValue ? "since it started" : $"for {quiet.TotalSeconds:0} s");
            (_hearingSince, _toldDeaf) = (0, true);
            return false;
        }
        if (_hearingSince == 0)
            (_hearingSince, _toldDeaf) = (clock.GetTimestamp(), false);
        return clock.GetElapsedTime(_hearingSince) >= _liveness;
    }

    /// <summary>
    /// The subscriptions heartbeats named lately. A heartbeat from a version that named none stands for the
    /// one such a version made, <c>ID_&lt;instance&gt;</c>, so a fleet half-way through a deploy sweeps nothing live.
    /// </summary>
    private HashSet<string> AliveSubscriptions() =>
        fleet.SubscribersHeardWithin(_sweepAfter)
            .Select(s => s.Subscription ?? PubSubNames.InstancePartFor(s.Instance))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>What a failed admin call says: its gRPC status, or <paramref name="cancelled"/> when it was cut short here.</summary>
    private static (StatusCode Status, string Detail) Failure(Exception e, string cancelled) =>
        e is RpcException { StatusCode: not StatusCode.Cancelled } rpc ? (rpc.StatusCode, rpc.Status.Detail) : (StatusCode.DeadlineExceeded, cancelled);

    private static partial class Log
    {
        [LoggerMessage(EventId = 7101, Level = LogLevel.Information,
            Message = "Swept subscription {Subscription}: no heartbeat has named it for over {Seconds} s.")]
        public static partial void Swept(ILogger logger, string subscription, double seconds);

        [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Sweeping abandoned subscriptions failed with {StatusCode}: {Detail}. Trying again later.")]
        public static partial void SweepFailed(ILogger logger, StatusCode statusCode, string detail);

        [LoggerMessage(EventId = 7105, Level = LogLevel.Warning,
            Message = "Not sweeping: this instance's own heartbeat has not come back through its subscription {Spell}, so it cannot tell a dead peer from one it does not hear.")]
        public static partial void Deaf(ILogger logger, string spell);

        [LoggerMessage(EventId = 7103, Level = LogLevel.Information,
            Message = "Deleted subscription {Subscription}, left by an earlier run of this machine.")]
        public static partial void PredecessorDeleted(ILogger logger, string subscription);

        [LoggerMessage(EventId = 7104, Level = LogLevel.Warning,
            Message = "Could not delete the subscriptions earlier runs of this machine left: {StatusCode}: {Detail}. The other instances' sweeper, or a day unused, removes them.")]
        public static partial void PredecessorsNotDeleted(ILogger logger, StatusCode statusCode, string detail);
    }
}
