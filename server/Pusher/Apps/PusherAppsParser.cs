using System.Text.Json;
using System.Text.RegularExpressions;
using Notifications.Configuration;

namespace Notifications.Pusher.Apps;

/// <summary>
/// Reads <c>PUSHER_APPS</c>: <c>id:key:secret</c> entries separated by commas (the secret is everything
/// after the second colon), or a JSON array of <see cref="PusherAppEntry"/>. Error messages name an app
/// by its position and id, never by its secret.
/// </summary>
internal static partial class PusherAppsParser
{
    private const int MaxSecretLength = 512;

    public static PusherAppsParse Parse(PusherOptions options)
    {
        string text = options.Apps?.Trim() ?? "";
        if (text.Length == 0)
            return new([], []);
        var errors = new List<string>();
        var entries = text.StartsWith('[') ? FromJson(text, errors) : FromTriples(text);
        var apps = new List<PusherApp>();
        for (int i = 0; i < entries.Count; i++)
        {
            if (ToApp(entries[i], i + 1, options, errors) is { } app)
                apps.Add(app);
        }
        CheckUnique(apps, a => a.Id, "id", errors);
        CheckUnique(apps, a => a.Key, "key", errors);
        return new(errors.Count == 0 ? apps : [], errors);
    }

    private static List<PusherAppEntry> FromTriples(string text)
    {
        var entries = new List<PusherAppEntry>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(':', 3);
            entries.Add(new PusherAppEntry(fields[0], fields.ElementAtOrDefault(1), fields.ElementAtOrDefault(2),
                null, null, null, null, null, null, null, null));
        }
        return entries;
    }

    private static List<PusherAppEntry> FromJson(string text, List<string> errors)
    {
        try
        {
            var entries = JsonSerializer.Deserialize(text, PusherAppsJsonContext.Default.PusherAppEntryArray);
            return entries is null ? [] : [.. entries.Where(e => e is not null)];
        }
        catch (JsonException e)
        {
            // The exception's own message may quote the text around the fault, which can be a secret.
            errors.Add($"PUSHER_APPS is not a JSON array of apps with known fields (fault at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}, path {e.Path}).");
            return [];
        }
    }

    private static PusherApp? ToApp(PusherAppEntry entry, int position, PusherOptions defaults, List<string> errors)
    {
        string name = $"PUSHER_APPS app #{position}" + (string.IsNullOrEmpty(entry.Id) ? "" : $" ('{entry.Id}')");
        int before = errors.Count;
        if (entry.Id is null || !IdPattern().IsMatch(entry.Id))
            errors.Add($"{name}: the id must be 1 to 64 letters, digits, '_', '-' or '.'.");
        if (entry.Key is null || !KeyPattern().IsMatch(entry.Key))
            errors.Add($"{name}: the key must be 1 to 128 letters, digits, '_', '-' or '.'.");
        if (string.IsNullOrEmpty(entry.Secret) || entry.Secret.Length > MaxSecretLength)
            errors.Add($"{name}: the secret must be 1 to {MaxSecretLength} characters.");
        var limits = Limits(entry, defaults, name, errors);
        return errors.Count == before ? new PusherApp(entry.Id!, entry.Key!, new AppSecret(entry.Secret!), limits) : null;
    }

    /// <summary>The app's limits: the settings with its overrides, checked by the same rules as the settings.</summary>
    private static PusherAppLimits Limits(PusherAppEntry entry, PusherOptions defaults, string name, List<string> errors)
    {
        var merged = new PusherOptions
        {
            ClientEvents = entry.ClientEvents ?? defaults.ClientEvents,
            ClientEventsPerSecond = entry.ClientEventsPerSecond ?? defaults.ClientEventsPerSecond,
            MaxConnections = entry.MaxConnections ?? defaults.MaxConnections,
            MaxChannelsPerConnection = entry.MaxChannelsPerConnection ?? defaults.MaxChannelsPerConnection,
            MaxEventBytes = entry.MaxEventBytes ?? defaults.MaxEventBytes,
            MaxBatchSize = entry.MaxBatchSize ?? defaults.MaxBatchSize,
            MaxPresenceMembers = entry.MaxPresenceMembers ?? defaults.MaxPresenceMembers,
            MaxUserInfoBytes = entry.MaxUserInfoBytes ?? defaults.MaxUserInfoBytes,
        };
        // Only what the app sets is its own error, named as written there; a bad setting all apps inherit is the
        // settings' error, said once by their own check.
        string?[] overridden =
        [
            entry.ClientEventsPerSecond is null ? null : nameof(merged.ClientEventsPerSecond),
            entry.MaxConnections is null ? null : nameof(merged.MaxConnections),
            entry.MaxChannelsPerConnection is null ? null : nameof(merged.MaxChannelsPerConnection),
            entry.MaxEventBytes is null ? null : nameof(merged.MaxEventBytes),
            entry.MaxBatchSize is null ? null : nameof(merged.MaxBatchSize),
            entry.MaxPresenceMembers is null ? null : nameof(merged.MaxPresenceMembers),
            entry.MaxUserInfoBytes is null ? null : nameof(merged.MaxUserInfoBytes),
        ];
        var check = new PusherAnnotationsValidator().Validate(null, merged);
        foreach (var failure in check.Failed ? check.Failures : [])
        {
            if (overridden.FirstOrDefault(p => p is not null && failure.StartsWith(p + ": ", StringComparison.Ordinal)) is { } property)
                errors.Add($"{name}: {JsonNamingPolicy.CamelCase.ConvertName(property)} {failure[(failure.IndexOf(" must ", StringComparison.Ordinal) + 1)..]}");
        }
        return new PusherAppLimits(merged.ClientEvents, merged.ClientEventsPerSecond, merged.MaxConnections,
            merged.MaxChannelsPerConnection, merged.MaxEventBytes, merged.MaxBatchSize, merged.MaxPresenceMembers, merged.MaxUserInfoBytes);
    }

    private static void CheckUnique(List<PusherApp> apps, Func<PusherApp, string> field, string what, List<string> errors)
    {
        foreach (var group in apps.GroupBy(field, StringComparer.Ordinal).Where(g => g.Count() > 1))
            errors.Add($"PUSHER_APPS: {group.Count()} apps share the {what} '{group.Key}'; each app needs its own.");
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}\\z")]
    private static partial Regex KeyPattern();
}

/// <summary>The apps <c>PUSHER_APPS</c> names, or why it cannot be used (then <see cref="Apps"/> is empty).</summary>
internal sealed record PusherAppsParse(IReadOnlyList<PusherApp> Apps, IReadOnlyList<string> Errors);
