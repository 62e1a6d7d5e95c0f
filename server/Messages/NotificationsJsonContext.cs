using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Messages;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(PresenceMessage))]
[JsonSerializable(typeof(GoAwayMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;

/// <summary>Serialises outbound frames once, to the UTF-8 bytes every connection shares.</summary>
internal static class Frames
{
    private static NotificationsJsonContext Json => NotificationsJsonContext.Default;

    public static byte[] Welcome(WelcomeMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.WelcomeMessage);

    public static byte[] Alert(AlertMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.AlertMessage);

    public static byte[] Error(string code, string message, int? retryAfterMs = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorMessage(code, message, retryAfterMs), Json.ErrorMessage);

    public static byte[] Presence(PresenceMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.PresenceMessage);

    public static byte[] GoAway(int reconnectAfterMs) => JsonSerializer.SerializeToUtf8Bytes(new GoAwayMessage(reconnectAfterMs), Json.GoAwayMessage);

    public static byte[] Heartbeat(HeartbeatMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.HeartbeatMessage);
}
