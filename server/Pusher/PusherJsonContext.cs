using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Pusher.Api;
using Notifications.Pusher.Protocol;

namespace Notifications.Pusher;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PusherEnvelope))]
[JsonSerializable(typeof(PusherErrorEnvelope))]
[JsonSerializable(typeof(SubscriptionErrorEnvelope))]
[JsonSerializable(typeof(ClientEventEnvelope))]
[JsonSerializable(typeof(ConnectionEstablishedData))]
[JsonSerializable(typeof(PresenceSubscriptionData))]
[JsonSerializable(typeof(MemberAddedData))]
[JsonSerializable(typeof(MemberRemovedData))]
[JsonSerializable(typeof(SigninSuccessData))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ChannelInfo))]
[JsonSerializable(typeof(ChannelsAnswer))]
[JsonSerializable(typeof(BatchAnswer))]
[JsonSerializable(typeof(UsersAnswer))]
[JsonSerializable(typeof(EmptyAnswer))]
internal sealed partial class PusherJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every Pusher frame is written with: quotes in a JSON-encoded <c>data</c> string become
    /// <c>"</c> rather than <c>"</c>, and non-ASCII text stays as it is, so a fanned-out event is as
    /// small as Pusher's own. Nothing here is ever put into HTML, which is what the default escaping guards.
    /// </summary>
    public static PusherJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
