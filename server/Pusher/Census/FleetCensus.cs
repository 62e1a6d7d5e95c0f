using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Pusher.Api;
using Notifications.Pusher.Channels;

namespace Notifications.Pusher.Census;

/// <summary>
/// Which Pusher channels have subscribers fleet-wide: this instance's channel index, read live, plus every other
/// instance's last complete census (<see cref="CensusPart"/>s from its heartbeats), until it falls silent for the
/// liveness window. Both doors' sockets count: a <c>/ws</c> socket on <c>pusher:A:X</c> is a subscriber of X.
/// </summary>
internal sealed class FleetCensus(ConnectionRegistry registry, IOptions<InstanceOptions> instance, IOptions<FleetOptions> fleet, TimeProvider clock)
    : IPusherChannelCensus
{
    /// <summary>Largest census part, in entries: far under the bus's message cap whatever the names.</summary>
    public const int EntriesPerPart = 200;

    private sealed record Snapshot(IReadOnlyDictionary<string, int> Counts, long HeardAt);

    private sealed class Pending(long seq, int parts)
    {
        public long Seq { get; } = seq;
        public CensusEntry[]?[] Parts { get; } = new CensusEntry[]?[parts];
    }

    private readonly Lock _gate = new();
    private readonly string _self = instance.Value.InstanceId;
    private readonly TimeSpan _liveness = fleet.Value.LivenessWindow;
    private readonly Dictionary<string, Snapshot> _others = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private long _seq;

    /// <summary>This instance's census for the bus, cut into parts.</summary>
    public List<CensusPart> Parts()
    {
        var entries = registry.ChannelsStartingWith(PusherChannelMap.Namespace + ":").Select(c => new CensusEntry(c.Channel, c.Members)).ToList();
        long seq = Interlocked.Increment(ref _seq);
        int parts = Math.Max(1, (entries.Count + EntriesPerPart - 1) / EntriesPerPart);
        return [.. Enumerable.Range(0, parts).Select(i => new CensusPart(_self, seq, i + 1, parts, entries.Skip(i * EntriesPerPart).Take(EntriesPerPart).ToList()))];
    }

    public void Receive(CensusPart part)
    {
        if (part.Instance == _self || part.Parts is < 1 or > 10_000 || part.Part < 1 || part.Part > part.Parts)
            return;
        lock (_gate)
        {
            if (!_pending.TryGetValue(part.Instance, out var pending) || pending.Seq < part.Seq || pending.Parts.Length != part.Parts && pending.Seq == part.Seq)
                _pending[part.Instance] = pending = new Pending(part.Seq, part.Parts);
            else if (pending.Seq > part.Seq)
                return;
            pending.Parts[part.Part - 1] = [.. part.Channels];
            if (pending.Parts.Any(p => p is null))
                return;
            _pending.Remove(part.Instance);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in pending.Parts.SelectMany(p => p!))
                counts[entry.Channel] = counts.GetValueOrDefault(entry.Channel) + Math.Max(0, entry.Count);
            _others[part.Instance] = new Snapshot(counts, clock.GetTimestamp());
        }
    }

    public IReadOnlyCollection<(string Channel, int Subscriptions)> Occupied(string appId, string prefix)
    {
        string internalPrefix = PusherChannelMap.ToInternal(appId, prefix);
        int cut = PusherChannelMap.ToInternal(appId, "").Length;
        var totals = registry.ChannelsStartingWith(internalPrefix).ToDictionary(c => c.Channel, c => c.Members, StringComparer.Ordinal);
        foreach (var snapshot in Live())
        {
            foreach (var (channel, count) in snapshot.Counts)
            {
                if (channel.StartsWith(internalPrefix, StringComparison.Ordinal))
                    totals[channel] = totals.GetValueOrDefault(channel) + count;
            }
        }
        return [.. totals.Where(t => t.Value > 0).Select(t => (t.Key[cut..], t.Value))];
    }

    public int Subscriptions(string appId, string channel)
    {
        string name = PusherChannelMap.ToInternal(appId, channel);
        return registry.CountIn(name) + Live().Sum(s => s.Counts.GetValueOrDefault(name));
    }

    /// <summary>Censuses of instances heard within the liveness window; older ones are forgotten.</summary>
    private List<Snapshot> Live()
    {
        lock (_gate)
        {
            foreach (var gone in _others.Where(o => clock.GetElapsedTime(o.Value.HeardAt) > _liveness).Select(o => o.Key).ToList())
                _others.Remove(gone);
            return [.. _others.Values];
        }
    }
}
