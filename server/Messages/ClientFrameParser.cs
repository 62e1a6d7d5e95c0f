using System.Text.Json;

namespace Notifications.Messages;

/// <summary>What a client asked for: an alert with validated text, or the error to answer with.</summary>
internal readonly record struct ClientRequest(string? AlertText, ErrorMessage? Error)
{
    public static ClientRequest Alert(string text) => new(text, null);
    public static ClientRequest Fail(string code, string message) => new(null, new ErrorMessage(code, message));
}

/// <summary>Turns one inbound text frame into a <see cref="ClientRequest"/>, never throwing on bad input.</summary>
internal static class ClientFrameParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };
    private static readonly string[] ServerStampedFields = ["id", "region", "instance", "sentAt"];

    public static ClientRequest Parse(ReadOnlySpan<byte> frame, int maxTextLength)
    {
        JsonDocument document;
        try
        {
            // JsonDocument needs the bytes to outlive it; the frame buffer is reused, so parse a copy.
            document = JsonDocument.Parse(frame.ToArray(), Options);
        }
        catch (JsonException)
        {
            return ClientRequest.Fail(ErrorCodes.InvalidJson, "The frame is not well-formed JSON (or nests deeper than 8 levels).");
        }
        using (document)
            return Interpret(document.RootElement, maxTextLength);
    }

    private static ClientRequest Interpret(JsonElement root, int maxTextLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "A frame must be a JSON object.");
        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "A frame needs a string \"type\".");
        if (!type.ValueEquals("alert"))
            return ClientRequest.Fail(ErrorCodes.UnknownType, $"Unknown type \"{Truncate(type.GetString())}\"; clients may send \"alert\".");

        foreach (var field in ServerStampedFields)
        {
            if (root.TryGetProperty(field, out _))
                return ClientRequest.Fail(ErrorCodes.ServerField, $"\"{field}\" is stamped by the server and cannot be sent by a client.");
        }

        if (!root.TryGetProperty("text", out var text) || text.ValueKind == JsonValueKind.Null)
            return ClientRequest.Fail(ErrorCodes.TextRequired, "An alert needs a non-empty \"text\".");
        if (text.ValueKind != JsonValueKind.String)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "\"text\" must be a string.");

        return AlertText.TryNormalize(text.GetString(), maxTextLength, out var normalized, out var error)
            ? ClientRequest.Alert(normalized)
            : new ClientRequest(null, error);
    }

    private static string Truncate(string? value) =>
        value is null ? "" : value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");
}
