using System.Runtime.InteropServices;
using System.Text.Json;
using Notifications.Messages;

namespace Notifications.Pusher.Presence;

/// <summary>
/// One user on a presence channel, as the app's auth endpoint described it in <c>channel_data</c>:
/// <c>{"user_id": …, "user_info": …}</c>. Laravel sends numeric ids; they are kept as their JSON text, so
/// <c>5</c> and <c>"5"</c> are the same member (Pusher's member hash is keyed by strings anyway).
/// </summary>
internal sealed record PresenceMember(string UserId, JsonElement? UserInfo)
{
    public const int MaxUserIdLength = 128;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>Reads <c>channel_data</c>; null with <paramref name="error"/> set when it is not a member description within the limits.</summary>
    public static PresenceMember? Parse(string channelData, int maxUserInfoBytes, out string? error) =>
        Parse(channelData, "channel_data", "user_id", maxUserInfoBytes, out error);

    /// <summary>
    /// The member a signed-in socket is on presence channels it joins without <c>channel_data</c>, as pusher-js then asks:
    /// the <c>id</c> and <c>user_info</c> of its <c>pusher:signin</c>'s <c>user_data</c>.
    /// </summary>
    public static PresenceMember? FromSignin(string userData, int maxUserInfoBytes, out string? error) =>
        Parse(userData, "user_data", "id", maxUserInfoBytes, out error);

    private static PresenceMember? Parse(string json, string what, string idProperty, int maxUserInfoBytes, out string? error)
    {
        error = null;
        try
        {
            using var document = StrictJson.Parse(json, Options);
            return FromObject(document.RootElement, what, idProperty, maxUserInfoBytes, ref error);
        }
        catch (JsonException)
        {
            error = $"{what} is not JSON.";
            return null;
        }
    }

    private static PresenceMember? FromObject(JsonElement root, string what, string idProperty, int maxUserInfoBytes, ref string? error)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(idProperty, out var id))
        {
            error = $"{what} must be an object with a {idProperty}.";
            return null;
        }
        string? userId = id.ValueKind switch
        {
            JsonValueKind.String => id.GetString(),
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        };
        if (string.IsNullOrEmpty(userId) || userId.Length > MaxUserIdLength)
        {
            error = $"{idProperty} must be a non-empty string or a number of at most {MaxUserIdLength} characters.";
            return null;
        }
        if (!root.TryGetProperty("user_info", out var info) || info.ValueKind == JsonValueKind.Null)
            return new PresenceMember(userId, null);
        if (JsonMarshal.GetRawUtf8Value(info).Length > maxUserInfoBytes)
        {
            error = $"user_info is larger than this app's limit of {maxUserInfoBytes} bytes.";
            return null;
        }
        return new PresenceMember(userId, info.Clone());
    }
}
