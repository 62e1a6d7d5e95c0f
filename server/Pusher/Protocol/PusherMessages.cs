using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Pusher.Protocol;

/// <summary>
/// Pusher's frame: <c>{"event","channel","data"}</c>, where <c>data</c> is a JSON-encoded string: the
/// server's own events, the HTTP API's events, and the <c>pusher_internal:</c> ones all carry it so.
/// </summary>
internal sealed record PusherEnvelope(string Event, string? Channel, string? Data);

/// <summary><c>pusher:error</c>: its <c>data</c> is an object, as Pusher sends it (pusher-js reads either form).</summary>
internal sealed record PusherErrorEnvelope(string? Channel, PusherErrorData Data)
{
    [JsonPropertyOrder(-1)]
    public string Event => "pusher:error";
}

internal sealed record PusherErrorData(int Code, string Message);

/// <summary>
/// <c>pusher:subscription_error</c> on the channel: Laravel Echo's <c>.error()</c> hears it. Its data has
/// the shape pusher-js gives its own auth failures (<c>type</c>, <c>error</c>, <c>status</c>).
/// </summary>
internal sealed record SubscriptionErrorEnvelope(string Channel, SubscriptionErrorData Data)
{
    [JsonPropertyOrder(-1)]
    public string Event => "pusher:subscription_error";
}

internal sealed record SubscriptionErrorData(string Type, string Error, int Status);

/// <summary>A client event relayed to the channel's other subscribers: <c>data</c> exactly as the sender wrote it, <c>user_id</c> on presence channels.</summary>
internal sealed record ClientEventEnvelope(string Event, string Channel, JsonElement? Data, string? UserId);

internal sealed record ConnectionEstablishedData(string SocketId, int ActivityTimeout);

internal sealed record PresenceSubscriptionData(PresenceHash Presence);

/// <summary>The members hash of a presence subscription: <c>ids</c>, <c>hash</c> (id to user_info) and <c>count</c>.</summary>
internal sealed record PresenceHash(IReadOnlyList<string> Ids, IReadOnlyDictionary<string, JsonElement?> Hash, int Count);

internal sealed record MemberAddedData(string UserId, JsonElement? UserInfo);

internal sealed record MemberRemovedData(string UserId);

internal sealed record SigninSuccessData(string UserData);
