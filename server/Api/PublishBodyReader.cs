using System.Buffers;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Notifications.Messages;

namespace Notifications.Api;

/// <summary>
/// Reads a publish request's JSON body, refusing before any work what cannot be one: a body that is not
/// JSON by its <c>Content-Type</c> (415), larger than the most a valid request holds (413, decided from
/// <c>Content-Length</c> when it is sent, so the excess is never read), or not well-formed (400).
/// </summary>
internal static class PublishBodyReader
{
    /// <summary>Deep enough for an alert's data, and no deeper than the topic's reader takes; deeper is refused rather than walked.</summary>
    public const int MaxDepth = TopicMessageReader.MaxDepth;

    public static async Task<(JsonDocument? Document, PublishProblem? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return (null, new PublishProblem(415, PublishProblems.UnsupportedMediaType, "Send the body as JSON, with Content-Type: application/json."));
        if (request.ContentLength > maxBytes)
            return (null, TooLarge(maxBytes));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 64 * 1024));
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                        return (null, TooLarge(maxBytes));
                    buffer = Grow(buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
                }
                int read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    break;
                length += read;
            }
            if (length > maxBytes)
                return (null, TooLarge(maxBytes));
            return Parse(buffer.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (JsonDocument?, PublishProblem?) Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            // A document parsed from memory reads that memory for as long as it lives: it gets a copy of its own,
            // as the pooled buffer goes back (to be rented by another request) once this returns.
            return (StrictJson.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth }), null);
        }
        catch (JsonException e)
        {
            return (null, PublishProblems.Invalid($"The body is not well-formed JSON, or nests deeper than {MaxDepth} levels (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})."));
        }
    }

    private static byte[] Grow(byte[] buffer, int size)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan().CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            return false;
        var type = media.MediaType.AsSpan();
        bool json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        return json && (media.Charset.Value is null || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    private static PublishProblem TooLarge(int maxBytes) =>
        new(413, PublishProblems.BodyTooLarge, $"The body is over {maxBytes} bytes, more than any valid request of this kind needs.");
}
