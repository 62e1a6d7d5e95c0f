using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Connections;
using Notifications.Delivery;
using Notifications.Pusher.Events;
using Notifications.WebSockets;

namespace Notifications.Pusher.Fanout;

/// <summary>
/// Delivers a <see cref="PusherEvent"/> from the bus to this instance's members of each of its channels, once
/// (a repeat the bus delivers again is dropped by id): Pusher sockets get Pusher's frame, except the socket the
/// publisher named; <c>/ws</c> sockets on the same channel get <see cref="PusherEventMessage"/>. Each frame is
/// serialised once per channel and shared.
/// </summary>
internal sealed class PusherFanout(ConnectionRegistry registry, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly SeenIds _seen = new(10_000, clock);

    /// <summary>How many sockets took it; -1 for a repeat.</summary>
    public int Deliver(PusherEvent pusherEvent)
    {
        lock (_gate)
        {
            if (!_seen.Add(pusherEvent.Id))
                return -1;
        }
        int delivered = 0;
        foreach (var channel in pusherEvent.Channels.Distinct(StringComparer.Ordinal))
        {
            string name = pusherEvent.InternalChannel(channel);
            var ours = SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(
                new PusherEventMessage(pusherEvent.Id, name, pusherEvent.Event, pusherEvent.Data, pusherEvent.UserId), PusherBusJsonContext.Default.PusherEventMessage));
            delivered += registry.SendToChannel(name, ours, SocketFrame.Text(pusherEvent.Frame(channel)), pusherEvent.ExceptSocketId);
        }
        return delivered;
    }
}

/// <summary>
/// A Pusher event as a <c>/ws</c> socket subscribed to <c>pusher:{app}:{channel}</c> gets it: <see cref="Data"/>
/// as the publisher gave it (the HTTP API's string, a client event's JSON), <see cref="UserId"/> on presence client events.
/// </summary>
internal sealed record PusherEventMessage(string Id, string Channel, string Event, JsonElement? Data, string? UserId)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pusher_event";
}
