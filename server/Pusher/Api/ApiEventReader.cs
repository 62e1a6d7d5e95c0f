using System.Text;
using System.Text.Json;
using Notifications.Messages;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Events;
using Notifications.Pusher.Protocol;
using Notifications.Pusher.Session;

namespace Notifications.Pusher.Api;

/// <summary>
/// Reads the bodies of <c>POST /apps/{id}/events</c> (<c>{name, data, channels | channel, socket_id?, info?}</c>)
/// and <c>/batch_events</c> (<c>{batch: [{name, data, channel, socket_id?, info?}]}</c>) with Pusher's rules:
/// names up to 200 characters and not <c>pusher:</c>-reserved, 1 to 100 valid channels (an encrypted one
/// only alone), data within the app's size limit (413 beyond it), a well-formed socket_id. Data that is
/// not a string is taken as its JSON text, as the Node SDK would have sent it.
/// </summary>
internal static class ApiEventReader
{
    public const int MaxChannelsPerEvent = 100;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static ApiResult<ApiTrigger> Events(PusherApp app, ReadOnlySpan<byte> body) => Read(body, root =>
    {
        var item = Item(app, root, "", batch: false);
        return item.Problem ?? (ApiResult<ApiTrigger>)new ApiTrigger([item.Value!], IsBatch: false);
    });

    public static ApiResult<ApiTrigger> Batch(PusherApp app, ReadOnlySpan<byte> body) => Read(body, root =>
    {
        if (!root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
            return ApiProblem.BadRequest("The body must be {\"batch\": [events]}.");
        int count = batch.GetArrayLength();
        if (count == 0 || count > app.Limits.MaxBatchSize)
            return ApiProblem.BadRequest($"A batch holds 1 to {app.Limits.MaxBatchSize} events; this one has {count}.");
        var items = new List<ApiTriggerItem>(count);
        foreach (var (element, i) in batch.EnumerateArray().Select((e, i) => (e, i)))
        {
            var item = element.ValueKind == JsonValueKind.Object
                ? Item(app, element, $"batch[{i}]: ", batch: true)
                : ApiProblem.BadRequest($"batch[{i}] is not an object.");
            if (item.Problem is { } problem)
                return problem;
            items.Add(item.Value!);
        }
        return new ApiTrigger(items, IsBatch: true);
    });

    private static ApiResult<ApiTrigger> Read(ReadOnlySpan<byte> body, Func<JsonElement, ApiResult<ApiTrigger>> interpret)
    {
        try
        {
            using var document = StrictJson.Parse(body.ToArray(), Options);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? interpret(document.RootElement)
                : ApiProblem.BadRequest("The body must be a JSON object.");
        }
        catch (JsonException)
        {
            return ApiProblem.BadRequest("The body is not well-formed JSON.");
        }
    }

    private static ApiResult<ApiTriggerItem> Item(PusherApp app, JsonElement e, string at, bool batch)
    {
        if (String(e, "name") is not { Length: > 0 and <= PusherSession.MaxEventNameLength } name)
            return ApiProblem.BadRequest($"{at}\"name\" must be a string of 1 to {PusherSession.MaxEventNameLength} characters.");
        if (name.StartsWith("pusher:", StringComparison.Ordinal) || name.StartsWith("pusher_internal:", StringComparison.Ordinal))
            return ApiProblem.BadRequest($"{at}event names starting with pusher: or pusher_internal: are Pusher's own.");
        var channels = Channels(e, batch, at);
        if (channels.Problem is { } problem)
            return problem;
        if (!e.TryGetProperty("data", out var dataElement) || dataElement.ValueKind == JsonValueKind.Null)
            return ApiProblem.BadRequest($"{at}\"data\" is required.");
        string data = dataElement.ValueKind == JsonValueKind.String ? dataElement.GetString()! : dataElement.GetRawText();
        int bytes = Encoding.UTF8.GetByteCount(data);
        if (bytes > app.Limits.MaxEventBytes)
            return new ApiProblem(413, $"{at}\"data\" is {bytes} bytes; this app's limit is {app.Limits.MaxEventBytes}.");
        string? socketId = String(e, "socket_id");
        if (socketId is not null && !SocketIds.IsValid(socketId))
            return ApiProblem.BadRequest($"{at}\"socket_id\" must look like 123.456.");
        var evt = new PusherEvent(PusherEvent.NewId(), app.Id, channels.Value!, name, JsonSerializer.SerializeToElement(data, PusherJsonContext.Wire.String), socketId, null);
        return new ApiTriggerItem(evt, ChannelAttributesParser.Parse(String(e, "info")));
    }

    private static ApiResult<string[]> Channels(JsonElement e, bool batch, string at)
    {
        string[] names;
        if (!batch && e.TryGetProperty("channels", out var list) && list.ValueKind == JsonValueKind.Array)
            names = [.. list.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : "")];
        else if (String(e, "channel") is { } one)
            names = [one];
        else
            return ApiProblem.BadRequest(batch ? $"{at}\"channel\" is required." : "\"channels\" (an array) or \"channel\" is required.");
        if (names.Length is 0 or > MaxChannelsPerEvent)
            return ApiProblem.BadRequest($"{at}an event goes to 1 to {MaxChannelsPerEvent} channels; this one names {names.Length}.");
        foreach (var name in names)
        {
            if (!PusherChannel.TryParse(name, out var channel))
                return ApiProblem.BadRequest($"{at}'{Shorten.To(name, PusherChannel.MaxNameLength)}' is not a valid channel name.");
            if (channel.Kind == PusherChannelKind.PrivateEncrypted && names.Length > 1)
                return ApiProblem.BadRequest($"{at}an event for an encrypted channel must name that channel alone.");
        }
        return names;
    }

    private static string? String(JsonElement e, string property) =>
        e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
