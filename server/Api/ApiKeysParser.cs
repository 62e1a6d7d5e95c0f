using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Notifications.Channels;

namespace Notifications.Api;

/// <summary>
/// Reads <c>PUBLISH_API_KEYS</c>: <c>name:secret</c> entries separated by commas (the secret is everything after
/// the first colon; such a key may publish to every channel), or a JSON array of <see cref="ApiKeyEntry"/> to
/// limit keys to channel patterns. Messages name an entry by its position and name, never by its secret.
/// </summary>
internal static partial class ApiKeysParser
{
    public const int MinSecretLength = 24;
    public const int MaxSecretLength = 512;

    public static ApiKeysParse Parse(string? setting)
    {
        string text = setting?.Trim() ?? "";
        if (text.Length == 0)
            return new([], []);
        var errors = new List<string>();
        var entries = text.StartsWith('[') ? FromJson(text, errors) : FromPairs(text);
        var keys = new List<(ApiKey Key, string Patterns)>();
        for (int i = 0; i < entries.Count; i++)
        {
            if (ToKey(entries[i], i + 1, errors) is { } key)
                keys.Add(key);
        }
        CheckRotations(keys, errors);
        return new(errors.Count == 0 ? [.. keys.Select(k => k.Key)] : [], errors);
    }

    private static List<ApiKeyEntry> FromPairs(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
        {
            int colon = part.IndexOf(':');
            return colon < 0 ? new ApiKeyEntry(part, null, null) : new ApiKeyEntry(part[..colon], part[(colon + 1)..], null);
        })];

    private static List<ApiKeyEntry> FromJson(string text, List<string> errors)
    {
        try
        {
            var entries = JsonSerializer.Deserialize(text, ApiKeysJsonContext.Default.ApiKeyEntryArray);
            return entries is null ? [] : [.. entries.Where(e => e is not null)];
        }
        catch (JsonException e)
        {
            // The exception's own message may quote the text around the fault, which can be a secret.
            errors.Add($"PUBLISH_API_KEYS is not a JSON array of keys with the fields name, secret and channels (fault at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}, path {e.Path}).");
            return [];
        }
    }

    private static (ApiKey Key, string Patterns)? ToKey(ApiKeyEntry entry, int position, List<string> errors)
    {
        string name = $"PUBLISH_API_KEYS key #{position}" + (entry.Name is { } n && NamePattern().IsMatch(n) ? $" ('{n}')" : "");
        int before = errors.Count;
        if (entry.Name is null || !NamePattern().IsMatch(entry.Name))
            errors.Add($"{name}: the name must be 1 to 64 letters, digits, '_', '-' or '.' (it is what the logs show).");
        if (entry.Secret is null || entry.Secret.Length is < MinSecretLength or > MaxSecretLength || !SecretPattern().IsMatch(entry.Secret))
            errors.Add($"{name}: the secret must be {MinSecretLength} to {MaxSecretLength} visible ASCII characters, no commas (e.g. openssl rand -hex 32).");
        var patterns = ChannelPatterns.None;
        if (entry.Channels is { Length: 0 })
            errors.Add($"{name}: channels is empty, so the key could publish nowhere; leave it out for every channel.");
        else if (!ChannelPatterns.TryParse(entry.Channels ?? ["*"], out patterns, out var problem))
            errors.Add($"{name}: channels: {problem}");
        return errors.Count == before ? (ApiKey.FromSecret(entry.Name!, entry.Secret!, patterns), patterns.ToString()) : null;
    }

    /// <summary>Entries sharing a name are one backend's old and new secret: they must grant the same, and no two may share a secret.</summary>
    private static void CheckRotations(List<(ApiKey Key, string Patterns)> keys, List<string> errors)
    {
        foreach (var group in keys.GroupBy(k => k.Key.Name, StringComparer.Ordinal).Where(g => g.Select(k => k.Patterns).Distinct().Count() > 1))
            errors.Add($"PUBLISH_API_KEYS: the keys named '{group.Key}' allow different channels; keys that share a name (a rotation) must allow the same.");
        foreach (var group in keys.GroupBy(k => Convert.ToHexString(k.Key.SecretHash)).Where(g => g.Count() > 1))
            errors.Add($"PUBLISH_API_KEYS: the keys named {string.Join(" and ", group.Select(k => $"'{k.Key.Name}'"))} have the same secret; each key needs its own.");
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[\\x21-\\x2B\\x2D-\\x7E]+\\z")]
    private static partial Regex SecretPattern();
}

/// <summary>One key as the JSON form of <c>PUBLISH_API_KEYS</c> writes it; <see cref="Channels"/> left out means every channel.</summary>
internal sealed record ApiKeyEntry(string? Name, string? Secret, string[]? Channels);

/// <summary>The keys <c>PUBLISH_API_KEYS</c> names, or why it cannot be used (then <see cref="Keys"/> is empty).</summary>
internal sealed record ApiKeysParse(IReadOnlyList<ApiKey> Keys, IReadOnlyList<string> Errors);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ApiKeyEntry[]))]
internal sealed partial class ApiKeysJsonContext : JsonSerializerContext;
