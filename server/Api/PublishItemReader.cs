using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Notifications.Messages;

namespace Notifications.Api;

/// <summary>
/// Checks one alert of a publish request: only the fields <c>channel</c>, <c>text</c>, <c>data</c> and
/// <c>idempotencyKey</c> (a misspelt field is refused, not ignored, so a lost idempotency key cannot pass
/// unnoticed); a valid channel name the key may publish to; the text by the same rule as alerts from
/// sockets; <c>data</c> a JSON object of at most <c>PUBLISH_API_MAX_DATA_BYTES</c> as compact JSON.
/// </summary>
internal sealed class PublishItemReader(int maxTextLength, int maxDataBytes)
{
    public const int MaxIdempotencyKeyLength = 255;

    private static readonly string[] Fields = ["channel", "text", "data", "idempotencyKey"];
    private static readonly string[] ServerFields = ["id", "type", "region", "instance", "sentAt"];

    /// <summary>The largest body one alert can need: its data, its text with every character escaped, and room for the rest.</summary>
    public int MaxItemBytes => maxDataBytes + 12 * maxTextLength + 1024;

    public ItemRead Read(JsonElement item, ApiKey key, string? headerIdempotencyKey = null)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return PublishProblems.Invalid("An alert is a JSON object with \"channel\" and \"text\".");
        if (FieldProblem(item) is { } fieldProblem)
            return fieldProblem;
        if (!TryString(item, "channel", out var channel) || channel is null)
            return PublishProblems.Invalid("\"channel\" must be a string: the channel to publish to, e.g. \"user:42\" or \"global\".");
        if (ChannelName.Problem(channel) is { } channelProblem)
            return PublishProblems.BadRequest(PublishProblems.InvalidChannel, channelProblem);
        if (!key.Channels.Matches(channel))
            return new PublishProblem(403, PublishProblems.ChannelForbidden, $"The key '{key.Name}' may not publish to '{channel}'.");
        if (!TryString(item, "text", out var raw))
            return PublishProblems.Invalid("\"text\" must be a string.");
        if (!AlertText.TryNormalize(raw, maxTextLength, out var text, out var textError))
            return PublishProblems.BadRequest(textError!.Code, textError.Message);
        if (!TryIdempotencyKey(item, headerIdempotencyKey, out var idempotencyKey, out var keyProblem))
            return keyProblem!;
        if (!TryData(item, out var data, out var compact, out var dataProblem))
            return dataProblem!;
        return new PublishItem(channel, text, data, idempotencyKey, Fingerprint(channel, text, compact));
    }

    private static PublishProblem? FieldProblem(JsonElement item)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in item.EnumerateObject())
        {
            if (ServerFields.Contains(property.Name))
                return PublishProblems.BadRequest(PublishProblems.ServerField, $"\"{property.Name}\" is set by the server. To make retries safe, send an \"idempotencyKey\".");
            if (!Fields.Contains(property.Name))
                return PublishProblems.Invalid($"Unknown field \"{Shorten(property.Name)}\": an alert has channel, text, data and idempotencyKey.");
            if (!seen.Add(property.Name))
                return PublishProblems.Invalid($"\"{property.Name}\" appears twice.");
        }
        return null;
    }

    private static bool TryString(JsonElement item, string name, out string? value)
    {
        value = null;
        if (!item.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        value = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    private static bool TryIdempotencyKey(JsonElement item, string? header, out string? key, out PublishProblem? problem)
    {
        problem = null;
        if (!TryString(item, "idempotencyKey", out key))
        {
            problem = Bad("\"idempotencyKey\" must be a string.");
            return false;
        }
        if (header is not null && key is not null && header != key)
            problem = Bad("The Idempotency-Key header and the body's \"idempotencyKey\" differ; send one, or the same in both.");
        key ??= header;
        if (problem is null && key is not null && !IsIdempotencyKey(key))
            problem = Bad($"An idempotency key is 1 to {MaxIdempotencyKeyLength} visible ASCII characters (a UUID, or e.g. \"job-7-step-3\").");
        return problem is null;

        static PublishProblem Bad(string detail) => PublishProblems.BadRequest(PublishProblems.InvalidIdempotencyKey, detail);
    }

    private static bool IsIdempotencyKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(c => c is >= '!' and <= '~');

    private bool TryData(JsonElement item, out JsonElement? data, out byte[] compact, out PublishProblem? problem)
    {
        (data, compact, problem) = (null, [], null);
        if (!item.TryGetProperty("data", out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.Object)
        {
            problem = PublishProblems.BadRequest(PublishProblems.InvalidData, "\"data\" must be a JSON object, e.g. {\"progress\": 40}.");
            return false;
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            element.WriteTo(writer);
        if (buffer.WrittenCount > maxDataBytes)
        {
            problem = new PublishProblem(413, PublishProblems.DataTooLarge, maxDataBytes == 0
                ? "This server takes no \"data\" (PUBLISH_API_MAX_DATA_BYTES is 0)."
                : $"\"data\" is {buffer.WrittenCount} bytes as compact JSON; the limit is {maxDataBytes}.");
            return false;
        }
        compact = buffer.WrittenSpan.ToArray();
        // The request's document is gone by the time the publisher serialises the alert.
        data = element.Clone();
        return true;
    }

    private static byte[] Fingerprint(string channel, string text, byte[] data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(channel));
        hash.AppendData([0]);
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
