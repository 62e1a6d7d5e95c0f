using System.Text.Json;

namespace Notifications.Messages;

/// <summary>What a topic message turned out to be: an alert, an instance's heartbeat, or neither (with the reason).</summary>
internal readonly record struct TopicMessage(AlertMessage? Alert, HeartbeatMessage? Heartbeat, string? Invalid);

/// <summary>
/// Reads a topic message body. Our instances publish complete alerts (<c>channel_alert</c> for channels other
/// than <c>global</c>) and heartbeats; other publishers may send only <c>text</c> (and <c>channel</c>), and the
/// message's own id and publish time fill the rest.
/// </summary>
internal static class TopicMessageReader
{
    public const string ExternalOrigin = "external";

    /// <summary>
    /// Room for the largest alert the settings allow with every character escaped, as the serialiser escapes
    /// non-ASCII and HTML-sensitive ones (<c>ALERT_MAX_LENGTH</c> 10,000 code points at 12 bytes, <c>data</c>'s
    /// 16,384 bytes at 6); a larger body is refused unread.
    /// </summary>
    public const int MaxBodyBytes = 256 * 1024;
    /// <summary>Deep enough for the <c>data</c> the publish API lets through (its own limit is the same).</summary>
    public const int MaxDepth = 16;
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth };
    private const int RecentOrigins = 4;

    // The last few region and instance names this thread read: a fleet has few, and each alert repeats its origin's.
    [ThreadStatic]
    private static string?[]? _regions;
    [ThreadStatic]
    private static string?[]? _instances;

    public static TopicMessage Read(ReadOnlyMemory<byte> body, string messageId, DateTimeOffset publishTime, int maxTextLength)
    {
        if (body.Length > MaxBodyBytes)
            return new TopicMessage(null, null, $"body is {body.Length} bytes; the limit is {MaxBodyBytes}");
        if (body.Length == 0)
            return new TopicMessage(null, null, "body is empty (attributes only)");
        try
        {
            using var document = StrictJson.Parse(body, Options);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var type) && type.ValueEquals("heartbeat"))
                return ReadHeartbeat(root);
            return TryReadAlert(root, messageId, publishTime, maxTextLength, out var alert, out var reason)
                ? new TopicMessage(alert, null, null)
                : new TopicMessage(null, null, reason);
        }
        catch (JsonException)
        {
            return new TopicMessage(null, null, "body is not well-formed UTF-8 JSON");
        }
    }

    private static TopicMessage ReadHeartbeat(JsonElement root)
    {
        if (TryString(root, "instance", required: true, out var instance, out var reason)
            && TryString(root, "region", required: true, out var region, out reason)
            && root.TryGetProperty("connections", out var connections) && connections.TryGetInt32(out int count) && count >= 0
            && TrySentAt(root, out var sentAt, out reason) && sentAt is not null
            && TryString(root, "subscription", required: false, out var subscription, out reason))
            return new TopicMessage(null, new HeartbeatMessage(instance!, region!, count, sentAt.Value, Clean(subscription, 255)), null);
        return new TopicMessage(null, null, "heartbeat " + (reason ?? "fields are missing or malformed"));
    }

    private static bool TryReadAlert(
        JsonElement root, string messageId, DateTimeOffset publishTime, int maxTextLength,
        out AlertMessage? alert, out string? reason)
    {
        alert = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            reason = "body is not a JSON object";
            return false;
        }
        if (!TryChannel(root, out var channel, out reason)
            || !TryString(root, "text", required: true, out var rawText, out reason)
            || !TryString(root, "id", required: false, out var id, out reason)
            || !TryOrigin(root, "region", 64, ref _regions, out var region, out reason)
            || !TryOrigin(root, "instance", 128, ref _instances, out var instance, out reason)
            || !TrySentAt(root, out var sentAt, out reason)
            || !TryData(root, out var data, out reason))
            return false;

        if (!AlertText.TryNormalize(rawText, maxTextLength, out var text, out var error))
        {
            reason = error!.Message;
            return false;
        }
        alert = new AlertMessage(
            Clean(id, AlertIds.MaxLength) ?? messageId,
            text,
            region ?? ExternalOrigin,
            instance ?? ExternalOrigin,
            sentAt ?? publishTime,
            channel,
            data);
        return true;
    }

    /// <summary>The alert's <c>data</c>: absent, or a JSON object (cloned, since the document is disposed).</summary>
    private static bool TryData(JsonElement root, out JsonElement? data, out string? reason)
    {
        (data, reason) = (null, null);
        if (!root.TryGetProperty("data", out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.Object)
        {
            reason = "\"data\" is not a JSON object";
            return false;
        }
        data = element.Clone();
        return true;
    }

    /// <summary>
    /// The alert's channel: an <c>alert</c> (or a body without <c>type</c>) is for <c>global</c>; any other channel
    /// needs type <c>channel_alert</c>, which instances from before channels drop instead of showing it to everyone.
    /// </summary>
    private static bool TryChannel(JsonElement root, out string channel, out string? reason)
    {
        channel = ChannelName.Global;
        bool typed = root.TryGetProperty("type", out var type);
        if (typed && type.ValueEquals(ChannelAlertMessage.TypeName))
        {
            if (!TryString(root, "channel", required: true, out var named, out reason))
                return false;
            reason = ChannelName.Problem(named) is { } problem ? $"\"channel\" is not valid: {problem}" : null;
            channel = named!;
            return reason is null;
        }
        if (typed && !type.ValueEquals("alert"))
        {
            reason = "type is not \"alert\" or \"channel_alert\"";
            return false;
        }
        if (!TryString(root, "channel", required: false, out var stated, out reason))
            return false;
        if (stated is not null && stated != ChannelName.Global)
        {
            reason = $"an alert for a channel other than global needs type \"{ChannelAlertMessage.TypeName}\"";
            return false;
        }
        return true;
    }

    private static bool TryString(JsonElement root, string name, bool required, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
                reason = $"\"{name}\" is missing";
            return !required;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            reason = $"\"{name}\" is not a string";
            return false;
        }
        value = element.GetString();
        return true;
    }

    private static bool TrySentAt(JsonElement root, out DateTimeOffset? sentAt, out string? reason)
    {
        sentAt = null;
        reason = null;
        if (!root.TryGetProperty("sentAt", out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out var value))
        {
            sentAt = value.ToUniversalTime();
            return true;
        }
        reason = "\"sentAt\" is not an RFC 3339 time";
        return false;
    }

    /// <summary>
    /// An origin field (<c>region</c>, <c>instance</c>), cleaned as <see cref="Clean"/> does; a value equal to one read
    /// lately is that same string, so the alerts of one instance do not each make their own copy of its names.
    /// </summary>
    private static bool TryOrigin(JsonElement root, string name, int maxLength, ref string?[]? recent, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.String)
        {
            reason = $"\"{name}\" is not a string";
            return false;
        }
        recent ??= new string?[RecentOrigins];
        foreach (var known in recent)
        {
            if (known is not null && element.ValueEquals(known))
            {
                value = known;
                return true;
            }
        }
        string raw = element.GetString()!;
        value = Clean(raw, maxLength);
        // Only a value that was clean as it came can stand for the same bytes next time.
        if (ReferenceEquals(value, raw))
        {
            Array.Copy(recent, 0, recent, 1, RecentOrigins - 1);
            recent[0] = raw;
        }
        return true;
    }

    /// <summary>Blank means absent; overlong origin fields are cut so one publisher cannot bloat every frame.</summary>
    private static string? Clean(string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        value = value.Trim();
        return value.Length <= maxLength ? value : value[..maxLength];
    }
}
