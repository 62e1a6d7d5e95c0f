using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Messages;

/// <summary>
/// The answer to <c>subscribe</c>: the socket is in the channel; <see cref="Resume"/> only when it asked with <c>since</c>,
/// and the replay follows. Like every frame but an alert, an error or the welcome, it carries <see cref="ServerTime"/> when the
/// instance can vouch for what it has received (<see cref="Bus.BusHealth.Stamp"/>): a page resumes from the last such stamp it heard.
/// </summary>
public sealed record SubscribedMessage(string Channel, ResumeReport? Resume, DateTimeOffset? ServerTime)
{
    [JsonPropertyOrder(-1)]
    public string Type => "subscribed";
}

/// <summary>
/// The socket is no longer in the channel: the answer to <c>unsubscribe</c> (no <see cref="Reason"/>), or
/// sent unasked with <see cref="Reason"/> <c>not_allowed</c> when a refreshed token no longer allows it.
/// </summary>
public sealed record UnsubscribedMessage(string Channel, string? Reason, DateTimeOffset? ServerTime)
{
    [JsonPropertyOrder(-1)]
    public string Type => "unsubscribed";

    public const string NotAllowed = "not_allowed";
}

/// <summary>The answer to <c>refresh</c>: the connection now lives until <see cref="ExpiresAt"/> (the new token's <c>exp</c>).</summary>
public sealed record RefreshedMessage(DateTimeOffset ExpiresAt, DateTimeOffset? ServerTime)
{
    [JsonPropertyOrder(-1)]
    public string Type => "refreshed";
}

/// <summary>
/// An alert for a channel other than <c>global</c> as it travels on the topic. A type of its own, so an
/// instance from before channels drops it (unknown type) instead of showing a user's alert to everyone.
/// </summary>
public sealed record ChannelAlertMessage(string Id, string Channel, string Text, string Region, string Instance, DateTimeOffset SentAt, JsonElement? Data = null)
{
    public const string TypeName = "channel_alert";

    [JsonPropertyOrder(-1)]
    public string Type => TypeName;
}
