using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.WebSockets;

namespace Notifications.Messages;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(ChannelAlertMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(PresenceMessage))]
[JsonSerializable(typeof(GoAwayMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
[JsonSerializable(typeof(SubscribedMessage))]
[JsonSerializable(typeof(UnsubscribedMessage))]
[JsonSerializable(typeof(RefreshedMessage))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;

/// <summary>
/// Serialises outbound messages once: socket-bound ones straight to a <see cref="SocketFrame"/> every
/// connection shares, bus-bound ones (alerts, heartbeats) to their UTF-8 JSON.
/// </summary>
internal static class Frames
{
    private static NotificationsJsonContext Json => NotificationsJsonContext.Default;

    public static SocketFrame Welcome(WelcomeMessage message) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(message, Json.WelcomeMessage));

    /// <summary>The alert as its channel's sockets get it.</summary>
    public static byte[] Alert(AlertMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.AlertMessage);

    /// <summary>The alert as it travels on the topic: a <c>global</c> one as clients see it, any other as a <c>channel_alert</c>.</summary>
    public static byte[] TopicAlert(AlertMessage message) => message.IsGlobal
        ? Alert(message)
        : JsonSerializer.SerializeToUtf8Bytes(
            new ChannelAlertMessage(message.Id, message.Channel, message.Text, message.Region, message.Instance, message.SentAt, message.Data), Json.ChannelAlertMessage);

    public static SocketFrame Error(string code, string message, int? retryAfterMs = null, string? channel = null) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new ErrorMessage(code, message, retryAfterMs, channel), Json.ErrorMessage));

    public static SocketFrame Presence(PresenceMessage message) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(message, Json.PresenceMessage));

    public static SocketFrame GoAway(int reconnectAfterMs) => SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new GoAwayMessage(reconnectAfterMs), Json.GoAwayMessage));

    public static byte[] Heartbeat(HeartbeatMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.HeartbeatMessage);

    public static SocketFrame Subscribed(string channel, ResumeReport? resume) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new SubscribedMessage(channel, resume), Json.SubscribedMessage));

    public static SocketFrame Unsubscribed(string channel, string? reason = null) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new UnsubscribedMessage(channel, reason), Json.UnsubscribedMessage));

    public static SocketFrame Refreshed(DateTimeOffset expiresAt) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new RefreshedMessage(expiresAt), Json.RefreshedMessage));
}
