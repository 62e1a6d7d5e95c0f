using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Protocol;

namespace Notifications.Pusher.Events;

/// <summary>
/// One event on one or more channels of one app, from the HTTP API or from a client: what travels on the bus
/// and what every instance delivers to its subscribers. <see cref="Channels"/> are Pusher names; our name of
/// each is <see cref="InternalChannel"/>. <see cref="Data"/> is a JSON string for API events
/// and the sender's raw value for client events; either way it is written into the frame as it is.
/// <see cref="ExceptSocketId"/> is the HTTP API's <c>socket_id</c> (or a client event's sender), never delivered to.
/// <see cref="Id"/> lets each instance drop a repeat the bus delivers twice.
/// </summary>
internal sealed record PusherEvent(string Id, string App, IReadOnlyList<string> Channels, string Event, JsonElement? Data, string? ExceptSocketId, string? UserId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_event";

    public static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>Our channel name for <paramref name="channel"/> (one of <see cref="Channels"/>).</summary>
    public string InternalChannel(string channel) => PusherChannelMap.ToInternal(App, channel);

    /// <summary>The frame for the channel's subscribers; serialise it once per channel and share it.</summary>
    public byte[] Frame(string channel) => PusherFrames.Event(channel, Event, Data, UserId);
}
