namespace Notifications.Api;

/// <summary>
/// Why the publish API refused a request or one alert of a batch: the HTTP status, a stable
/// <see cref="Code"/> (the problem's <c>type</c> is <c>urn:notifications:problem:&lt;code&gt;</c>), and a
/// sentence for a human. <see cref="RetryAfter"/> only when waiting helps.
/// </summary>
internal sealed record PublishProblem(int Status, string Code, string Detail)
{
    public const string TypePrefix = "urn:notifications:problem:";

    public TimeSpan? RetryAfter { get; init; }

    public string Type => TypePrefix + Code;

    public string Title { get; init; } = PublishProblems.Titles.GetValueOrDefault(Code, "Refused");
}

/// <summary>Every problem the publish API answers with; docs/api.md lists them.</summary>
internal static class PublishProblems
{
    public const string InvalidBody = "invalid_body";
    public const string InvalidChannel = "invalid_channel";
    public const string TextRequired = "text_required";
    public const string TextTooLong = "text_too_long";
    public const string InvalidData = "invalid_data";
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string ServerField = "server_field";
    public const string KeyMissing = "key_missing";
    public const string KeyInvalid = "key_invalid";
    public const string ChannelForbidden = "channel_forbidden";
    public const string NotFound = "api_disabled";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string BodyTooLarge = "body_too_large";
    public const string DataTooLarge = "data_too_large";
    public const string BatchTooLarge = "batch_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string PublishFailed = "publish_failed";

    public static readonly IReadOnlyDictionary<string, string> Titles = new Dictionary<string, string>
    {
        [InvalidBody] = "The request body is not a valid publish request",
        [InvalidChannel] = "Not a valid channel name",
        [TextRequired] = "An alert needs text",
        [TextTooLong] = "Alert text too long",
        [InvalidData] = "data must be a JSON object",
        [InvalidIdempotencyKey] = "Not a valid idempotency key",
        [ServerField] = "A field the server sets",
        [KeyMissing] = "No API key",
        [KeyInvalid] = "Unknown API key",
        [ChannelForbidden] = "This key may not publish to that channel",
        [NotFound] = "The publish API is off",
        [IdempotencyConflict] = "Idempotency key reused for another alert",
        [BodyTooLarge] = "Request body too large",
        [DataTooLarge] = "data too large",
        [BatchTooLarge] = "Too many alerts in one batch",
        [UnsupportedMediaType] = "The body must be JSON",
        [RateLimited] = "Too many alerts",
        [Unavailable] = "This instance cannot publish now",
        [PublishFailed] = "The alert was not published",
    };

    public static PublishProblem BadRequest(string code, string detail) => new(400, code, detail);

    public static PublishProblem Invalid(string detail) => new(400, InvalidBody, detail);
}
