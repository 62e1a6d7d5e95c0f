using System.Text.Json;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Protocol;

/// <summary>
/// Writes the server's Pusher frames as UTF-8 JSON, once each: a frame meant for many sockets is one
/// array every connection shares (callers must not change it).
/// </summary>
internal static class PusherFrames
{
    private const string EmptyObject = "{}";

    private static PusherJsonContext Json => PusherJsonContext.Wire;

    public static byte[] Ping { get; } = Envelope("pusher:ping", null, EmptyObject);

    public static byte[] Pong { get; } = Envelope("pusher:pong", null, EmptyObject);

    public static byte[] ConnectionEstablished(string socketId, int activityTimeoutSeconds) =>
        Envelope("pusher:connection_established", null, JsonSerializer.Serialize(new ConnectionEstablishedData(socketId, activityTimeoutSeconds), Json.ConnectionEstablishedData));

    public static byte[] Error(int code, string message, string? channel = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new PusherErrorEnvelope(channel, new PusherErrorData(code, message)), Json.PusherErrorEnvelope);

    public static byte[] SubscriptionError(string channel, string type, string error, int status) =>
        JsonSerializer.SerializeToUtf8Bytes(new SubscriptionErrorEnvelope(channel, new SubscriptionErrorData(type, error, status)), Json.SubscriptionErrorEnvelope);

    public static byte[] SubscriptionSucceeded(string channel) => Envelope("pusher_internal:subscription_succeeded", channel, EmptyObject);

    /// <summary>After a cache channel's subscription: no last event is kept here, so the page loads its first state itself.</summary>
    public static byte[] CacheMiss(string channel) => Envelope("pusher:cache_miss", channel, EmptyObject);

    /// <summary>A presence subscription's answer: every member fleet-wide, the subscriber included.</summary>
    public static byte[] PresenceSubscriptionSucceeded(string channel, IReadOnlyCollection<PresenceMember> members)
    {
        var hash = new Dictionary<string, JsonElement?>(members.Count, StringComparer.Ordinal);
        foreach (var member in members)
            hash[member.UserId] = member.UserInfo;
        var data = new PresenceSubscriptionData(new PresenceHash([.. hash.Keys], hash, hash.Count));
        return Envelope("pusher_internal:subscription_succeeded", channel, JsonSerializer.Serialize(data, Json.PresenceSubscriptionData));
    }

    public static byte[] MemberAdded(string channel, PresenceMember member) =>
        Envelope("pusher_internal:member_added", channel, JsonSerializer.Serialize(new MemberAddedData(member.UserId, member.UserInfo), Json.MemberAddedData));

    public static byte[] MemberRemoved(string channel, string userId) =>
        Envelope("pusher_internal:member_removed", channel, JsonSerializer.Serialize(new MemberRemovedData(userId), Json.MemberRemovedData));

    /// <summary>An event from the HTTP API (or our own door): <c>data</c> is the string the publisher gave, carried as a JSON string.</summary>
    public static byte[] Event(string channel, string eventName, string data) => Envelope(eventName, channel, data);

    /// <summary>An event whose data is already JSON: a client event's value as sent, or a JSON string; <c>user_id</c> on presence client events.</summary>
    public static byte[] Event(string channel, string eventName, JsonElement? data, string? userId) =>
        JsonSerializer.SerializeToUtf8Bytes(new ClientEventEnvelope(eventName, channel, data, userId), Json.ClientEventEnvelope);

    public static byte[] SigninSuccess(string userData) =>
        Envelope("pusher:signin_success", null, JsonSerializer.Serialize(new SigninSuccessData(userData), Json.SigninSuccessData));

    private static byte[] Envelope(string eventName, string? channel, string data) =>
        JsonSerializer.SerializeToUtf8Bytes(new PusherEnvelope(eventName, channel, data), Json.PusherEnvelope);
}
