using System.Text.Json.Serialization;

namespace Notifications.Messages;

/// <summary>The first frame on every connection: where the client landed, the server's clock, and how a resume went.</summary>
public sealed record WelcomeMessage(
    string Instance,
    string Region,
    DateTimeOffset ServerTime,
    int MaxTextLength,
    int Connections,
    int Clients,
    int Instances,
    ResumeReport? Resume)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";
}

/// <summary>
/// What a reconnect with <c>?since=</c> got: <see cref="Complete"/> is false when the id was not in
/// this instance's window, so alerts may have been missed.
/// </summary>
public sealed record ResumeReport(string Since, bool Complete, int Replayed);

/// <summary>An alert as every client sees it and as it travels on the topic. Every field but <see cref="Text"/> is stamped by a server.</summary>
public sealed record AlertMessage(
    string Id,
    string Text,
    string Region,
    string Instance,
    DateTimeOffset SentAt)
{
    [JsonPropertyOrder(-1)]
    public string Type => "alert";
}

/// <summary>Tells one client what was wrong with what it sent; <see cref="RetryAfterMs"/> only when waiting helps.</summary>
public sealed record ErrorMessage(string Code, string Message, int? RetryAfterMs = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

/// <summary>How many clients and instances the whole fleet has, from the instances' heartbeats.</summary>
public sealed record PresenceMessage(int Clients, int Instances)
{
    [JsonPropertyOrder(-1)]
    public string Type => "presence";
}

/// <summary>Sent just before a shutdown close: reconnect after this long, so a fleet of pages does not stampede.</summary>
public sealed record GoAwayMessage(int ReconnectAfterMs)
{
    [JsonPropertyOrder(-1)]
    public string Type => "goaway";
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
