using System.Text.Json;

namespace Notifications.Messages;

/// <summary>Reads the channel frames, <c>subscribe</c> (with an optional <c>since</c>), <c>unsubscribe</c> and <c>refresh</c>, from a parsed JSON object.</summary>
internal static class ChannelRequests
{
    /// <summary>A token rides in a frame no larger than WS_MAX_MESSAGE_BYTES; the token check refuses what is too long for a token.</summary>
    public static ClientRequest Refresh(JsonElement root) =>
        TryOptionalString(root, "token", out var token) && !string.IsNullOrEmpty(token)
            ? new ClientRequest(ClientRequestKind.Refresh, null, null, null, token, null)
            : Fail(ClientRequestKind.Refresh, "A refresh needs a string \"token\".");

    public static ClientRequest Subscribe(JsonElement root)
    {
        if (!TryRequiredString(root, "channel", out var channel))
            return Fail(ClientRequestKind.Subscribe, "A subscribe needs a string \"channel\".");
        string? since = null;
        if (root.TryGetProperty("since", out var element) && element.ValueKind != JsonValueKind.Null)
        {
            if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 and <= AlertIds.MaxSinceLength } value)
                return Fail(ClientRequestKind.Subscribe,
                    $"\"since\" must be an alert id (optionally followed by a comma and a time id): a string of 1 to {AlertIds.MaxSinceLength} characters.");
            since = value;
        }
        return new ClientRequest(ClientRequestKind.Subscribe, null, channel, since, null, null);
    }

    public static ClientRequest Unsubscribe(JsonElement root) =>
        TryRequiredString(root, "channel", out var channel)
            ? new ClientRequest(ClientRequestKind.Unsubscribe, null, channel, null, null, null)
            : Fail(ClientRequestKind.Unsubscribe, "An unsubscribe needs a string \"channel\".");

    /// <summary>False only for a field of another JSON type; absent or null is a null value.</summary>
    public static bool TryOptionalString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.String)
            return false;
        value = element.GetString();
        return true;
    }

    private static bool TryRequiredString(JsonElement root, string name, out string? value) =>
        TryOptionalString(root, name, out value) && value is not null;

    private static ClientRequest Fail(ClientRequestKind kind, string message) =>
        new(kind, null, null, null, null, new ErrorMessage(ErrorCodes.InvalidMessage, message));
}
