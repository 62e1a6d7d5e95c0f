using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Messages;

/// <summary>
/// The first frame on every connection: where the client landed, the server's clock, how a resume went, and
/// for a signed-in socket who it is (<see cref="User"/>, the token's <c>sub</c>) and when its token runs out.
/// </summary>
public sealed record WelcomeMessage(
    string Instance,
    string Region,
    DateTimeOffset ServerTime,
    int MaxTextLength,
    int ResumeWindowSeconds,
    int Connections,
    int Clients,
    int Instances,
    ResumeReport? Resume,
    string? User = null,
    DateTimeOffset? ExpiresAt = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";

    /// <summary>How many points a resume's <c>since</c> may name: an alert id, then a stamp heard after it (<see cref="AlertIds.ResumePoints"/>). A client sends the second only to an instance that says so.</summary>
    public int ResumePoints => 2;
}

/// <summary>
/// What a reconnect with <c>?since=</c> got: <see cref="Complete"/> is false when the id was not in
/// this instance's window, so alerts may have been missed.
/// </summary>
public sealed record ResumeReport(string Since, bool Complete, int Replayed);

/// <summary>
/// An alert as its channel's clients see it, and as a <c>global</c> one travels on the topic (other channels'
/// travel as <see cref="ChannelAlertMessage"/>). Every field but <see cref="Text"/> and <see cref="Channel"/> is stamped by a server;
/// <see cref="Data"/>, a small JSON object, comes only from the publish API (or another publisher on the topic).
/// </summary>
public sealed record AlertMessage(
    string Id,
    string Text,
    string Region,
    string Instance,
    DateTimeOffset SentAt,
    string Channel = AlertMessage.GlobalChannel,
    JsonElement? Data = null)
{
    /// <summary>
    /// False on an alert relayed while this instance cannot vouch that everything sent before it has arrived
    /// (<see cref="Bus.BusHealth.Stamp"/>): its <see cref="SentAt"/> is then no stamp for a resume. Absent otherwise, and never on the topic.
    /// </summary>
    public bool? Stamp { get; init; }

    /// <summary>The channel every socket starts in, and of every alert that names none.</summary>
    public const string GlobalChannel = "global";

    [JsonPropertyOrder(-1)]
    public string Type => "alert";

    [JsonIgnore]
    public bool IsGlobal => Channel == GlobalChannel;
}

/// <summary>
/// Tells one client what was wrong with what it sent (the one frame besides an alert without a <c>serverTime</c>: it is
/// made at the rate of bad input, and says nothing about what was sent before it); <see cref="RetryAfterMs"/> only when waiting helps,
/// <see cref="Channel"/> only when it concerns one (and the name is valid).
/// </summary>
public sealed record ErrorMessage(string Code, string Message, int? RetryAfterMs = null, string? Channel = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

/// <summary>How many clients and instances the whole fleet has, from the instances' heartbeats; <see cref="ServerTime"/> only on the wire (the counts compare without it).</summary>
public sealed record PresenceMessage(int Clients, int Instances, DateTimeOffset? ServerTime = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "presence";
}

/// <summary>Sent just before a shutdown close: reconnect after this long, so a fleet of pages does not stampede.</summary>
public sealed record GoAwayMessage(int ReconnectAfterMs, DateTimeOffset? ServerTime)
{
    [JsonPropertyOrder(-1)]
    public string Type => "goaway";
}

/// <summary>
/// The answer to a client's <c>ping</c>: the connection carries frames both ways, which a page cannot learn from the
/// WebSocket's own pings. No <see cref="ServerTime"/> when this instance cannot vouch for what it has received
/// (<see cref="Bus.BusHealth.Stamp"/>), as a client takes a stamp for "every alert sent before it reached me".
/// </summary>
public sealed record PongMessage(DateTimeOffset? ServerTime)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pong";
}

/// <summary>
/// Each instance's periodic message on the topic: proof its stream works, its share of the presence count,
/// and the subscription it receives on (which the other instances' sweepers must leave alone). Versions
/// before per-process subscription names sent none.
/// </summary>
public sealed record HeartbeatMessage(string Instance, string Region, int Connections, DateTimeOffset SentAt, string? Subscription = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "heartbeat";
}
