using System.Text.Json;

namespace Notifications.Api;

/// <summary>
/// One alert of a publish request, checked: a valid channel the key may use, normalised text, an optional
/// <see cref="Data"/> object and <see cref="IdempotencyKey"/>. <see cref="Fingerprint"/> is the SHA-256 of
/// what it publishes, to tell a retry from another alert under the same idempotency key.
/// </summary>
internal sealed record PublishItem(string Channel, string Text, JsonElement? Data, string? IdempotencyKey, byte[] Fingerprint);

/// <summary>An item of a request: the alert, or why it was refused.</summary>
internal readonly record struct ItemRead(PublishItem? Item, PublishProblem? Problem)
{
    public static implicit operator ItemRead(PublishItem item) => new(item, null);

    public static implicit operator ItemRead(PublishProblem problem) => new(null, problem);
}

/// <summary>What the API answered for one alert: 202 with its id, or a problem.</summary>
internal readonly record struct ItemAnswer(string? Id, string? Channel, PublishProblem? Problem)
{
    public bool Accepted => Problem is null;

    public static ItemAnswer Accept(string id, string channel) => new(id, channel, null);

    public static ItemAnswer Refuse(PublishProblem problem) => new(null, null, problem);
}
