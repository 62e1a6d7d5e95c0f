using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;

namespace Notifications.Fleet;

/// <summary>
/// Every HEARTBEAT_SECONDS: publishes this instance's heartbeat, restarts the receive stream if the
/// previous heartbeats never came back (silent starvation), and tells pages when the fleet's client
/// count changes.
/// </summary>
internal sealed partial class HeartbeatService(
    IMessageBus bus,
    BusHealth health,
    FleetDirectory fleet,
    ConnectionRegistry connections,
    IOptions<InstanceOptions> instance,
    IOptions<FleetOptions> options,
    TimeProvider clock,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private readonly FleetOptions _options = options.Value;
    private readonly InstanceOptions _instance = instance.Value;
    private readonly StarvationDetector _starvation = new(options.Value.LivenessWindow, clock);
    private PresenceMessage? _lastPresence;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        do
        {
            if (health.IsReady)
                await BeatAsync(stoppingToken);
            AnnouncePresence();
            fleet.Forget(TimeSpan.FromSeconds(Math.Max(_options.SweepAfterSeconds, 60) * 2));
        } while (await clock.TryDelayAsync(_options.HeartbeatInterval, stoppingToken));
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        _starvation.Heard(fleet.OwnHeartbeatHeardAt);
        if (_starvation.IsStarved())
        {
            Log.Starved(logger, _options.LivenessWindow.TotalSeconds);
            bus.RestartStream($"own heartbeat not seen for {_options.LivenessWindow.TotalSeconds:0} s");
        }
        var heartbeat = new HeartbeatMessage(_instance.InstanceId, _instance.Region, connections.Count, clock.GetUtcNow());
        try
        {
            await bus.PublishAsync([Frames.Heartbeat(heartbeat)], cancellationToken);
            _starvation.Published();
        }
        catch (BusUnavailableException e)
        {
            Log.HeartbeatFailed(logger, e.Message);
        }
    }

    private void AnnouncePresence()
    {
        var presence = fleet.Presence(connections.Count);
        if (presence == _lastPresence)
            return;
        _lastPresence = presence;
        connections.Broadcast(Frames.Presence(presence));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Warning,
            Message = "This instance's own heartbeat has not come back for {Seconds} s although Pub/Sub took it: the receive stream looks starved; rebuilding it.")]
        public static partial void Starved(ILogger logger, double seconds);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Heartbeat not published: {Reason}.")]
        public static partial void HeartbeatFailed(ILogger logger, string reason);
    }
}
