using System.Text.Json.Serialization;
using Notifications.Pusher.Events;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher;

/// <summary>The Pusher door's messages on the bus, camelCase with a <c>type</c> like the rest of the topic's traffic.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PusherEvent))]
[JsonSerializable(typeof(PresenceDelta))]
[JsonSerializable(typeof(PresenceStatePart))]
[JsonSerializable(typeof(PresenceHeartbeat))]
[JsonSerializable(typeof(PresenceStateRequest))]
[JsonSerializable(typeof(PresenceEntry))]
[JsonSerializable(typeof(Census.CensusPart))]
[JsonSerializable(typeof(Fanout.PusherEventMessage))]
internal sealed partial class PusherBusJsonContext : JsonSerializerContext;
