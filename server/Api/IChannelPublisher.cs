using System.Text.Json;

namespace Notifications.Api;

/// <summary>An alert the publish API accepted: its id is decided here (fixed by the idempotency key when there is one); the intake stamps the rest.</summary>
internal sealed record ApiAlert(string Id, string Channel, string Text, JsonElement? Data);

internal enum PublishStatus
{
    /// <summary>The topic has taken it: every instance will deliver it.</summary>
    Published,

    /// <summary>In the instance's publish buffer, retried while Pub/Sub is slow; not yet confirmed.</summary>
    Queued,

    /// <summary>Not sent: the buffer is full, the instance is stopping, or Pub/Sub did not take it in time.</summary>
    Refused,
}

/// <summary>What became of one alert; <see cref="Reason"/> is a sentence for the caller when refused.</summary>
internal readonly record struct PublishOutcome(PublishStatus Status, string? Reason = null)
{
    public static PublishOutcome Published => new(PublishStatus.Published);

    public static PublishOutcome Queued => new(PublishStatus.Queued);

    public static PublishOutcome Refused(string reason) => new(PublishStatus.Refused, reason);
}

/// <summary>
/// Where the publish API hands alerts: the same outbound buffer and publisher as alerts from sockets (in
/// Delivery). The API asks <see cref="Unavailable"/> once per request and answers 503 with its reason.
/// </summary>
internal interface IChannelPublisher
{
    /// <summary>Null while this instance can publish; otherwise why not, in a sentence (Pub/Sub refusing, not subscribed yet, stopping).</summary>
    string? Unavailable { get; }

    /// <summary>
    /// Queues the alert before returning (so calls made one after another reach the topic in that order), then
    /// completes with <see cref="PublishStatus.Published"/> once the topic took it, or <see cref="PublishStatus.Queued"/>
    /// if the intake does not wait for that. Cancelling stops the wait, not the publish.
    /// </summary>
    ValueTask<PublishOutcome> PublishAsync(ApiAlert alert, CancellationToken cancellationToken);
}
