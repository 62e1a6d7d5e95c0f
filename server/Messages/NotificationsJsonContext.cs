using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.WebSockets;

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

/// <summary>
/// Serialises outbound messages once: socket-bound ones straight to a <see cref="SocketFrame"/> every
/// connection shares, bus-bound ones (alerts, heartbeats) to their UTF-8 JSON.
/// </summary>
internal static class Frames
{
    private static NotificationsJsonContext Json => NotificationsJsonContext.Default;

    public static SocketFrame Welcome(WelcomeMessage message) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(message, Json.WelcomeMessage));

    public static byte[] Alert(AlertMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.AlertMessage);

    public static SocketFrame Error(string code, string message, int? retryAfterMs = null) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new ErrorMessage(code, message, retryAfterMs), Json.ErrorMessage));

    public static SocketFrame Presence(PresenceMessage message) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(message, Json.PresenceMessage));

    public static SocketFrame GoAway(int reconnectAfterMs) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new GoAwayMessage(reconnectAfterMs), Json.GoAwayMessage));

    public static byte[] Heartbeat(HeartbeatMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.HeartbeatMessage);
}
