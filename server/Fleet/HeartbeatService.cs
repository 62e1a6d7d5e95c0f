using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;

namespace Notifications.Fleet;

/// <summary>
/// Every HEARTBEAT_SECONDS, whatever the receive stream is doing: publishes this instance's heartbeat,
/// restarts the receive stream if the previous heartbeats never came back (silent starvation), and tells
/// pages when the fleet's client count changes. It beats at once when the bus asks (its echo confirms a
/// stream just opened), and every second or so while publishing fails, so the instance notices by itself,
/// within a second, that Pub/Sub takes calls again.
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
    private long _streamOpenedAt = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first subscription made means the topic exists: beating before would only fail.
        if (!await SubscribedAsync(stoppingToken))
            return;
        Task probe;
        do
        {
            // Taken before the beat: a probe asked for while it is in flight is still answered.
            probe = health.NextProbeRequest;
            await BeatAsync(stoppingToken);
            AnnouncePresence();
            fleet.Forget(TimeSpan.FromSeconds(Math.Max(_options.SweepAfterSeconds, 60) * 2));
        } while (await clock.TryDelayAsync(NextWait(), probe, stoppingToken));
    }

    private async Task<bool> SubscribedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await health.WaitUntilSubscribedAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private TimeSpan NextWait()
    {
        if (health.Publish.IsUp)
            return _options.HeartbeatInterval;
        var probe = TimeSpan.FromMilliseconds(500 + Random.Shared.Next(500));
        return probe < _options.HeartbeatInterval ? probe : _options.HeartbeatInterval;
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        _starvation.Heard(fleet.OwnNewestHeartbeatSent);
        // Judged per stream: a heartbeat handed to a stream that has since ended comes back only after its ack
        // deadline, which says nothing about the stream open now.
        long openSince = health.Receive.UpSince;
        if (openSince != _streamOpenedAt)
            _starvation.Reset();
        _streamOpenedAt = openSince;
        bool streamOpen = openSince >= 0;
        if (streamOpen && _starvation.IsStarved())
        {
            Log.Starved(logger, _options.LivenessWindow.TotalSeconds);
            bus.RestartStream($"own heartbeat not seen for {_options.LivenessWindow.TotalSeconds:0} s");
            streamOpen = false;
        }
        var heartbeat = new HeartbeatMessage(_instance.InstanceId, _instance.Region, connections.Count, _starvation.NextStamp(), bus.SubscriptionId);
        long started = clock.GetTimestamp();
        try
        {
            await bus.PublishAsync([new OutgoingMessage(Frames.Heartbeat(heartbeat))], cancellationToken);
            if (streamOpen)
                _starvation.Published(started, heartbeat.SentAt.UtcTicks);
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
        connections.Broadcast(Frames.Presence(presence, health.Stamp(clock.GetUtcNow())));
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
