using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Channels;

/// <summary>The answer to <c>subscribe</c>: the socket is in the channel; <see cref="Resume"/> only when it asked with <c>since</c>, and the replay follows.</summary>
public sealed record SubscribedMessage(string Channel, ResumeReport? Resume)
{
    [JsonPropertyOrder(-1)]
    public string Type => "subscribed";
}

/// <summary>
/// The socket is no longer in the channel: the answer to <c>unsubscribe</c> (no <see cref="Reason"/>), or
/// sent unasked with <see cref="Reason"/> <c>not_allowed</c> when a refreshed token no longer allows it.
/// </summary>
public sealed record UnsubscribedMessage(string Channel, string? Reason = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "unsubscribed";

    public const string NotAllowed = "not_allowed";
}

/// <summary>The answer to <c>refresh</c>: the connection now lives until <see cref="ExpiresAt"/> (the new token's <c>exp</c>).</summary>
public sealed record RefreshedMessage(DateTimeOffset ExpiresAt)
{
    [JsonPropertyOrder(-1)]
    public string Type => "refreshed";
}

/// <summary>An error about one channel: <see cref="ErrorMessage"/> with the channel it concerns.</summary>
public sealed record ChannelErrorMessage(string Code, string Message, string Channel)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubscribedMessage))]
[JsonSerializable(typeof(UnsubscribedMessage))]
[JsonSerializable(typeof(RefreshedMessage))]
[JsonSerializable(typeof(ChannelErrorMessage))]
internal sealed partial class ChannelJsonContext : JsonSerializerContext;

/// <summary>Serialises the channel replies straight to frames.</summary>
internal static class ChannelFrames
{
    private static ChannelJsonContext Json => ChannelJsonContext.Default;

    public static SocketFrame Subscribed(string channel, ResumeReport? resume) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new SubscribedMessage(channel, resume), Json.SubscribedMessage));

    public static SocketFrame Unsubscribed(string channel, string? reason = null) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new UnsubscribedMessage(channel, reason), Json.UnsubscribedMessage));

    public static SocketFrame Refreshed(DateTimeOffset expiresAt) =>
        SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new RefreshedMessage(expiresAt), Json.RefreshedMessage));

    /// <summary>A refused subscribe or publish; the channel is echoed only if it is a valid name, so no junk is reflected.</summary>
    public static SocketFrame Error(ChannelVerdict verdict, string? channel) => ChannelName.IsValid(channel)
        ? SocketFrame.Text(JsonSerializer.SerializeToUtf8Bytes(new ChannelErrorMessage(verdict.Code!, verdict.Message!, channel!), Json.ChannelErrorMessage))
        : Frames.Error(verdict.Code!, verdict.Message!);
}
