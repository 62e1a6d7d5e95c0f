using System.Text.Json;
using Notifications.Bus;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Pusher.Census;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Fanout;

/// <summary>
/// Takes the Pusher door's messages off the topic (a body that starts <c>{"type":"pusher_</c>, as our instances
/// write them): events to the fan-out, presence to the roster, censuses to the fleet census. One that does not
/// read is logged and dropped, as a bad alert is.
/// </summary>
internal sealed partial class PusherRelay(PusherFanout fanout, PresenceRoster presence, FleetCensus census, ILogger<PusherRelay> logger) : IBusMessageRelay
{
    /// <summary>
    /// Room for the largest event the settings allow with every character of its data escaped on the topic (1 MiB at
    /// up to 6 bytes each, with its channels); a larger body, which no instance of ours publishes, is dropped unread.
    /// </summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    private static PusherBusJsonContext Json => PusherBusJsonContext.Default;

    public bool Claims(BusMessage message) => message.Data.Span.StartsWith("{\"type\":\"pusher_"u8);

    public void Relay(BusMessage message)
    {
        var body = message.Data.Span;
        try
        {
            // Our instances write only Unicode; anything else would throw later, when an event's data is written to sockets.
            if (body.Length > MaxBodyBytes || !StrictJson.IsUnicode(body) || !Dispatch(body[16..], message.Data))
                Log.Dropped(logger, message.MessageId, message.Data.Length);
        }
        catch (JsonException)
        {
            Log.Dropped(logger, message.MessageId, message.Data.Length);
        }
    }

    private bool Dispatch(ReadOnlySpan<byte> type, ReadOnlyMemory<byte> body)
    {
        if (type.StartsWith("event\""u8))
            fanout.Deliver(JsonSerializer.Deserialize(body.Span, Json.PusherEvent)!);
        else if (type.StartsWith("presence\""u8))
            presence.Receive(JsonSerializer.Deserialize(body.Span, Json.PresenceDelta)!);
        else if (type.StartsWith("presence_state\""u8))
            presence.Receive(JsonSerializer.Deserialize(body.Span, Json.PresenceStatePart)!);
        else if (type.StartsWith("presence_heartbeat\""u8))
            presence.Receive(JsonSerializer.Deserialize(body.Span, Json.PresenceHeartbeat)!);
        else if (type.StartsWith("presence_sync\""u8))
            presence.Receive(JsonSerializer.Deserialize(body.Span, Json.PresenceStateRequest)!);
        else if (type.StartsWith("census\""u8))
            census.Receive(JsonSerializer.Deserialize(body.Span, Json.CensusPart)!);
        else
            return false;
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9003, Level = LogLevel.Warning,
            Message = "Dropped topic message {MessageId} ({Bytes} bytes): a Pusher door message of an unknown type, too large, or malformed.")]
        public static partial void Dropped(ILogger logger, string messageId, int bytes);
    }
}
