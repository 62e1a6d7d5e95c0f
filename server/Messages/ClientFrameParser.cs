using System.Buffers;
using System.Text.Json;

namespace Notifications.Messages;

/// <summary>What a client may ask for.</summary>
internal enum ClientRequestKind : byte
{
    Alert,
    Subscribe,
    Unsubscribe,
    Refresh,
    Ping,
}

/// <summary>
/// What a client asked for, read but not yet judged: an alert (validated text, and its channel or null for
/// <c>global</c>), a <c>subscribe</c> (a channel, and <c>since</c> to resume it), an <c>unsubscribe</c>, a
/// <c>refresh</c> (a token), a <c>ping</c>; or the error to answer with. Channel names and tokens are left to the policy and
/// the token check, so one place says what a valid one is.
/// </summary>
internal readonly record struct ClientRequest(ClientRequestKind Kind, string? AlertText, string? Channel, string? Since, string? Token, ErrorMessage? Error)
{
    public static ClientRequest Fail(string code, string message) => new(default, null, null, null, null, new ErrorMessage(code, message));

    /// <summary>Never the token: a request may end up in a log line.</summary>
    public override string ToString() => $"{Kind} {Channel} {Since} {Error?.Code}";
}

/// <summary>Turns one inbound text frame into a <see cref="ClientRequest"/>, never throwing on bad input.</summary>
internal static class ClientFrameParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };
    private static readonly string[] ServerStampedFields = ["id", "region", "instance", "sentAt"];

    public static ClientRequest Parse(ReadOnlySpan<byte> frame, int maxTextLength)
    {
        // JsonDocument needs the bytes to outlive it and the frame buffer is reused, so it parses a pooled copy, given back once the strings are read out.
        var copy = ArrayPool<byte>.Shared.Rent(frame.Length);
        try
        {
            frame.CopyTo(copy);
            JsonDocument document;
            try
            {
                document = StrictJson.Parse(copy.AsMemory(0, frame.Length), Options);
            }
            catch (JsonException)
            {
                return ClientRequest.Fail(ErrorCodes.InvalidJson, "The frame is not well-formed JSON (or nests deeper than 8 levels).");
            }
            using (document)
                return Interpret(document.RootElement, maxTextLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static ClientRequest Interpret(JsonElement root, int maxTextLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "A frame must be a JSON object.");
        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "A frame needs a string \"type\".");
        if (type.ValueEquals("alert"))
            return ReadAlert(root, maxTextLength);
        if (type.ValueEquals("subscribe"))
            return ChannelRequests.Subscribe(root);
        if (type.ValueEquals("unsubscribe"))
            return ChannelRequests.Unsubscribe(root);
        if (type.ValueEquals("refresh"))
            return ChannelRequests.Refresh(root);
        if (type.ValueEquals("ping"))
            return new ClientRequest(ClientRequestKind.Ping, null, null, null, null, null);
        return ClientRequest.Fail(ErrorCodes.UnknownType,
            $"Unknown type \"{Truncate(type.GetString())}\"; clients may send \"alert\", \"subscribe\", \"unsubscribe\", \"refresh\" and \"ping\".");
    }

    private static ClientRequest ReadAlert(JsonElement root, int maxTextLength)
    {
        foreach (var field in ServerStampedFields)
        {
            if (root.TryGetProperty(field, out _))
                return ClientRequest.Fail(ErrorCodes.ServerField, $"\"{field}\" is stamped by the server and cannot be sent by a client.");
        }
        if (!ChannelRequests.TryOptionalString(root, "channel", out var channel))
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "\"channel\" must be a string (or absent, for global).");

        if (!root.TryGetProperty("text", out var text) || text.ValueKind == JsonValueKind.Null)
            return ClientRequest.Fail(ErrorCodes.TextRequired, "An alert needs a non-empty \"text\".");
        if (text.ValueKind != JsonValueKind.String)
            return ClientRequest.Fail(ErrorCodes.InvalidMessage, "\"text\" must be a string.");

        return AlertText.TryNormalize(text.GetString(), maxTextLength, out var normalized, out var error)
            ? new ClientRequest(ClientRequestKind.Alert, normalized, channel, null, null, null)
            : new ClientRequest(ClientRequestKind.Alert, null, null, null, null, error);
    }

    internal static string Truncate(string? value) =>
        value is null ? "" : value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");
}
