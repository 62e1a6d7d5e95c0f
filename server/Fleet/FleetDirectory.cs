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
    private long _ownHeardAt = -1;

    /// <summary>When (a timestamp) this instance's own heartbeat last came back through its subscription; -1 before it has.</summary>
    public long OwnHeartbeatHeardAt => Interlocked.Read(ref _ownHeardAt);

    public void Observe(HeartbeatMessage heartbeat)
    {
        long now = clock.GetTimestamp();
        if (heartbeat.Instance == _self)
            Interlocked.Exchange(ref _ownHeardAt, now);
        _instances[heartbeat.Instance] = new Sighting(heartbeat.Region, heartbeat.Connections, now);
        _subscribers[(heartbeat.Instance, heartbeat.Subscription)] = now;
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
