using System.Text.Json.Serialization;

namespace Notifications.Pusher.Census;

/// <summary>
/// On the bus, each heartbeat: part <see cref="Part"/> of <see cref="Parts"/> of the Pusher channels one instance
/// has subscribers on (our names, <c>pusher:{app}:{channel}</c>) with their counts, as of its census
/// <see cref="Seq"/>. The HTTP API's channel queries add these up across the fleet.
/// </summary>
internal sealed record CensusPart(string Instance, long Seq, int Part, int Parts, IReadOnlyList<CensusEntry> Channels)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_census";
}

/// <summary>One channel's subscriptions on one instance.</summary>
internal sealed record CensusEntry(string Channel, int Count);
