using System.Runtime.InteropServices;
using System.Text.Json;
using Notifications.Messages;

namespace Notifications.Pusher.Protocol;

/// <summary>
/// Turns one inbound text frame into a <see cref="PusherClientFrame"/>, never throwing on bad input.
/// pusher-js sends the <c>data</c> of <c>pusher:*</c> events as an object; other clients send it as a
/// JSON-encoded string, so both are read.
/// </summary>
internal static class PusherFrameParser
{
    private const string Expected = "clients send pusher:subscribe, pusher:unsubscribe, pusher:ping, pusher:pong, pusher:signin or client-* events";

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    public static PusherClientFrame Parse(ReadOnlySpan<byte> frame)
    {
        JsonDocument document;
        try
        {
            // JsonDocument needs the bytes to outlive it; the frame buffer is reused, so parse a copy.
            document = StrictJson.Parse(frame.ToArray(), Options);
        }
        catch (JsonException)
        {
            return new InvalidFrame("The frame is not well-formed JSON (or nests deeper than 16 levels).");
        }
        using (document)
            return Interpret(document.RootElement);
    }

    private static PusherClientFrame Interpret(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var name) || name.ValueKind != JsonValueKind.String)
            return new InvalidFrame("A frame must be a JSON object with a string \"event\".");
        string eventName = name.GetString()!;
        if (eventName.StartsWith("client-", StringComparison.Ordinal))
            return ClientEvent(eventName, root);
        return eventName switch
        {
            "pusher:ping" => PingFrame.Instance,
            "pusher:pong" => PongFrame.Instance,
            "pusher:subscribe" or "pusher:unsubscribe" or "pusher:signin" => WithData(eventName, root),
            _ => new InvalidFrame($"Unknown event \"{Shorten.To(eventName)}\"; {Expected}."),
        };
    }

    private static PusherClientFrame ClientEvent(string eventName, JsonElement root)
    {
        if (!root.TryGetProperty("channel", out var channel) || channel.ValueKind != JsonValueKind.String)
            return new InvalidFrame($"A client event needs a string \"channel\".");
        if (!root.TryGetProperty("data", out var data))
            return new ClientEventFrame(eventName, channel.GetString()!, null, 0);
        return new ClientEventFrame(eventName, channel.GetString()!, data.Clone(), JsonMarshal.GetRawUtf8Value(data).Length);
    }

    private static PusherClientFrame WithData(string eventName, JsonElement root)
    {
        if (!root.TryGetProperty("data", out var data))
            return new InvalidFrame($"{eventName} needs \"data\".");
        if (data.ValueKind == JsonValueKind.Object)
            return FromData(eventName, data);
        if (data.ValueKind != JsonValueKind.String)
            return new InvalidFrame($"The data of {eventName} must be an object (or a JSON string holding one).");
        try
        {
            using var inner = StrictJson.Parse(data.GetString()!, Options);
            return inner.RootElement.ValueKind == JsonValueKind.Object
                ? FromData(eventName, inner.RootElement)
                : new InvalidFrame($"The data of {eventName} must be an object (or a JSON string holding one).");
        }
        catch (JsonException)
        {
            return new InvalidFrame($"The data of {eventName} is a string that is not JSON.");
        }
    }

    private static PusherClientFrame FromData(string eventName, JsonElement data)
    {
        var fields = new DataFields(data);
        PusherClientFrame frame = eventName switch
        {
            "pusher:subscribe" => new SubscribeFrame(fields.Required("channel"), fields.Optional("auth"), fields.Optional("channel_data")),
            "pusher:unsubscribe" => new UnsubscribeFrame(fields.Required("channel")),
            _ => new SigninFrame(fields.Optional("auth"), fields.Required("user_data")),
        };
        return fields.Problem is { } problem ? new InvalidFrame($"In {eventName}: {problem}") : frame;
    }


    /// <summary>Reads string fields of a <c>data</c> object, remembering the first that is missing or of the wrong type.</summary>
    private sealed class DataFields(JsonElement data)
    {
        public string? Problem { get; private set; }

        public string Required(string name)
        {
            string? value = Optional(name);
            if (value is null)
                Problem ??= $"\"{name}\" is required.";
            return value ?? "";
        }

        public string? Optional(string name)
        {
            if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                return null;
            if (value.ValueKind == JsonValueKind.String)
                return value.GetString();
            Problem ??= $"\"{name}\" must be a string.";
            return null;
        }
    }
}
