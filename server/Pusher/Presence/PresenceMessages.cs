using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Pusher.Presence;

/// <summary>
/// On the bus: one instance's first socket of a user joined a presence channel (<see cref="Present"/>), or its
/// last one left. <see cref="Seq"/> counts this instance's deltas from 1 within its <see cref="Epoch"/> (one
/// process's life: its start time in Unix milliseconds, so a restart's messages outrank the previous life's),
/// so receivers can put reordered and repeated messages right and notice lost ones.
/// </summary>
internal sealed record PresenceDelta(string Instance, long Epoch, long Seq, string Channel, string UserId, JsonElement? UserInfo, bool Present)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_presence";

    public PresenceMember Member => new(UserId, UserInfo);
}

/// <summary>One member of one channel in a state dump.</summary>
internal sealed record PresenceEntry(string Channel, string UserId, JsonElement? UserInfo);

/// <summary>
/// On the bus: part <see cref="Part"/> of <see cref="Parts"/> of everything one instance holds, as of its
/// delta <see cref="Seq"/>. Sent when another instance asks; parts keep each message well under the bus's size cap.
/// </summary>
internal sealed record PresenceStatePart(string Instance, long Epoch, long Seq, int Part, int Parts, IReadOnlyList<PresenceEntry> Members)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_presence_state";
}

/// <summary>
/// On the bus, each heartbeat: how far this instance's deltas go (<see cref="Seq"/>) and what they add up to
/// (<see cref="Count"/> members, an order-free <see cref="Digest"/>), so a receiver can tell it missed something.
/// </summary>
internal sealed record PresenceHeartbeat(string Instance, long Epoch, long Seq, int Count, ulong Digest)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_presence_heartbeat";
}

/// <summary>On the bus: <see cref="From"/> asks <see cref="Instance"/> to publish its whole state.</summary>
internal sealed record PresenceStateRequest(string Instance, string From)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_presence_sync";
}

/// <summary>A user appeared on or vanished from a presence channel fleet-wide: what this instance's subscribers are told.</summary>
internal sealed record PresenceChange(string Channel, PresenceMember Member, bool Added);
