using System.Text.Json;
using Notifications.Identity;
using Notifications.Messages;

namespace Notifications.Channels;

internal enum ChannelRequestKind : byte
{
    Subscribe,
    Unsubscribe,
    Refresh,
}

/// <summary>A client's <c>subscribe</c> (with an optional <c>since</c>), <c>unsubscribe</c> or <c>refresh</c>, or the error to answer it with.</summary>
internal readonly record struct ChannelRequest(ChannelRequestKind Kind, string? Channel, string? Since, string? Token, ErrorMessage? Error);

/// <summary>
/// Reads the channel frames from an already parsed JSON object whose <c>type</c> is one of
/// <see cref="Types"/>. The channel's name is left to <see cref="ChannelPolicy"/>, so one place says what a valid name is.
/// </summary>
internal static class ChannelRequests
{
    public static readonly string[] Types = ["subscribe", "unsubscribe", "refresh"];

    /// <summary>As long as the <c>?since=</c> the handshake accepts.</summary>
    public const int MaxSinceLength = 128;

    public static bool Handles(JsonElement type) => type.ValueKind == JsonValueKind.String && Types.Any(type.ValueEquals);

    public static ChannelRequest Read(JsonElement root)
    {
        var type = root.GetProperty("type");
        if (type.ValueEquals("refresh"))
        {
            if (!TryString(root, "token", out var token) || string.IsNullOrEmpty(token))
                return Fail(ChannelRequestKind.Refresh, "A refresh needs a string \"token\".");
            if (token.Length > TokenValidator.MaxTokenLength)
                return Fail(ChannelRequestKind.Refresh, $"\"token\" is over {TokenValidator.MaxTokenLength} characters.");
            return new ChannelRequest(ChannelRequestKind.Refresh, null, null, token, null);
        }
        var kind = type.ValueEquals("subscribe") ? ChannelRequestKind.Subscribe : ChannelRequestKind.Unsubscribe;
        if (!TryString(root, "channel", out var channel))
            return Fail(kind, $"A {type.GetString()} needs a string \"channel\".");
        string? since = null;
        if (kind == ChannelRequestKind.Subscribe && root.TryGetProperty("since", out var sinceElement) && sinceElement.ValueKind != JsonValueKind.Null)
        {
            if (sinceElement.ValueKind != JsonValueKind.String || sinceElement.GetString() is not { Length: > 0 and <= MaxSinceLength } value)
                return Fail(kind, $"\"since\" must be an alert id: a string of 1 to {MaxSinceLength} characters.");
            since = value;
        }
        return new ChannelRequest(kind, channel, since, null, null);
    }

    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    private static ChannelRequest Fail(ChannelRequestKind kind, string message) =>
        new(kind, null, null, null, new ErrorMessage(ErrorCodes.InvalidMessage, message));
}
