using System.Text.Json.Serialization;

namespace Notifications.Messages;

/// <summary>The first frame on every connection: where the client landed, and the server's clock.</summary>
public sealed record WelcomeMessage(
    string Instance,
    string Region,
    DateTimeOffset ServerTime,
    int MaxTextLength,
    int Connections)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";
}

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

/// <summary>Tells one client what was wrong with what it sent.</summary>
public sealed record ErrorMessage(string Code, string Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}
