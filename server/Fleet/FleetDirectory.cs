using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;

namespace Notifications.Fleet;

/// <summary>Every instance heard from on the topic lately, with its client count: the fleet as this instance sees it.</summary>
internal sealed class FleetDirectory(IOptions<InstanceOptions> instance, IOptions<FleetOptions> options, TimeProvider clock) : IFleetPresence
{
    private sealed record Sighting(string Region, int Connections, long HeardAt);

    private readonly ConcurrentDictionary<string, Sighting> _instances = new(StringComparer.Ordinal);
    // Apart from the instances: one machine id names a new subscription in every life, and the sweeper
    // must tell the live one from its predecessors'.
    private readonly ConcurrentDictionary<(string Instance, string? Subscription), long> _subscribers = new();
    private readonly string _self = instance.Value.InstanceId;
    private readonly TimeSpan _liveness = options.Value.LivenessWindow;
    private long _ownNewestSentTicks = long.MinValue;

    /// <summary>
    /// The send time (UTC ticks) of the newest of this instance's own heartbeats that came back through its
    /// subscription; <see cref="long.MinValue"/> before one has. The newest by its stamp, not by its arrival:
    /// an old heartbeat redelivered late must not vouch for the ones published after it.
    /// </summary>
    public long OwnNewestHeartbeatSent => Interlocked.Read(ref _ownNewestSentTicks);

    public void Observe(HeartbeatMessage heartbeat)
    {
        long now = clock.GetTimestamp();
        if (heartbeat.Instance == _self)
            KeepNewest(ref _ownNewestSentTicks, heartbeat.SentAt.UtcTicks);
        _instances[heartbeat.Instance] = new Sighting(heartbeat.Region, heartbeat.Connections, now);
        _subscribers[(heartbeat.Instance, heartbeat.Subscription)] = now;
    }

    private static void KeepNewest(ref long newest, long ticks)
    {
        long seen = Interlocked.Read(ref newest);
        while (ticks > seen)
        {
            long was = Interlocked.CompareExchange(ref newest, ticks, seen);
            if (was == seen)
                return;
            seen = was;
        }
    }

    /// <summary>
    /// Each instance and the subscription its heartbeats named (null from versions that named none), heard
    /// within <paramref name="within"/>.
    /// </summary>
    public IEnumerable<(string Instance, string? Subscription)> SubscribersHeardWithin(TimeSpan within) =>
        _subscribers.Where(kv => clock.GetElapsedTime(kv.Value) <= within).Select(kv => kv.Key);

    /// <summary>Clients and instances alive now; this instance counts with its current local count, heard or not.</summary>
    public PresenceMessage Presence(int localConnections)
    {
        int clients = localConnections, instances = 1;
        foreach (var (id, sighting) in _instances)
        {
            if (id == _self || clock.GetElapsedTime(sighting.HeardAt) > _liveness)
                continue;
            clients += sighting.Connections;
            instances++;
        }
        return new PresenceMessage(clients, instances);
    }

    /// <summary>Forgets instances not heard from for <paramref name="after"/>, so the map cannot grow without bound.</summary>
    public void Forget(TimeSpan after)
    {
        foreach (var (id, sighting) in _instances)
        {
            if (clock.GetElapsedTime(sighting.HeardAt) > after)
                _instances.TryRemove(id, out _);
        }
        foreach (var (subscriber, heardAt) in _subscribers)
        {
            if (clock.GetElapsedTime(heardAt) > after)
                _subscribers.TryRemove(subscriber, out _);
        }
    }
}
