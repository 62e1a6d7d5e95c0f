using System.Text.Json.Serialization;

namespace Notifications.Bench.Reference;

internal sealed record ClientMessage(string? Type, string? Text);

internal sealed record AlertMessage(string Text)
{
    public string Type => "alert";
}

internal sealed record WelcomeMessage(int Connections)
{
    public string Type => "welcome";
}

internal sealed record Health(string Status, int Connections);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(Health))]
internal sealed partial class WireJson : JsonSerializerContext;
