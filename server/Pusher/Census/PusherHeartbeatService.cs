using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Pusher.Fanout;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Census;

/// <summary>
/// Beside each instance heartbeat, every HEARTBEAT_SECONDS: this instance's Pusher channel census and presence
/// heartbeat (how far its presence deltas go, so others notice what they missed), and the presence of instances
/// gone silent for the liveness window is dropped, so their members leave.
/// </summary>
internal sealed class PusherHeartbeatService(
    FleetCensus census,
    PresenceRoster presence,
    PusherPublisher publisher,
    FleetDirectory fleet,
    BusHealth health,
    IOptions<FleetOptions> options,
    TimeProvider clock) : BackgroundService
{
    private readonly FleetOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await health.WaitUntilSubscribedAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        long startedAt = clock.GetTimestamp();
        do
        {
            foreach (var part in census.Parts())
                publisher.Enqueue(PusherBusFrames.Of(part));
            publisher.Enqueue(PusherBusFrames.Of(presence.Heartbeat()));
            // Until this instance has listened for a whole window, silence proves nothing about the others.
            if (clock.GetElapsedTime(startedAt) > _options.LivenessWindow)
                ForgetSilent();
        } while (await clock.TryDelayAsync(_options.HeartbeatInterval, stoppingToken));
    }

    private void ForgetSilent()
    {
        var alive = fleet.SubscribersHeardWithin(_options.LivenessWindow).Select(s => s.Instance).ToHashSet(StringComparer.Ordinal);
        foreach (var instance in presence.KnownInstances().Where(i => !alive.Contains(i)))
            presence.Forget(instance);
    }
}
