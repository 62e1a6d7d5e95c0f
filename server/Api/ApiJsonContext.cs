using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Api;

/// <summary>The body of <c>POST /api/v1/publish</c> (described for the OpenAPI document; the endpoint reads the JSON itself, to answer each fault precisely).</summary>
/// <param name="Channel">The channel to publish to: <c>global</c>, <c>user:42</c>, <c>team:7</c>…</param>
/// <param name="Text">The alert's text, 1 to <c>ALERT_MAX_LENGTH</c> code points once trimmed.</param>
/// <param name="Data">A small JSON object delivered with the alert (at most <c>PUBLISH_API_MAX_DATA_BYTES</c> as compact JSON).</param>
/// <param name="IdempotencyKey">1 to 255 visible ASCII characters; a retry with the same key is delivered once, with the first answer's id.</param>
public sealed record PublishRequest(string Channel, string Text, JsonElement? Data = null, string? IdempotencyKey = null);

/// <summary>The body of <c>POST /api/v1/publish/batch</c>: 1 to 100 alerts, each answered on its own.</summary>
public sealed record PublishBatchRequest(IReadOnlyList<PublishRequest> Alerts);

/// <summary>202: the alert was accepted; <see cref="Id"/> is the id every client will see.</summary>
public sealed record PublishAccepted(string Id, string Channel);

/// <summary>One alert's answer in a batch: <see cref="Status"/> 202 with <see cref="Id"/>, or a problem's status, code and detail.</summary>
public sealed record BatchItemResult(int Status, string? Id, string? Channel, string? Type, string? Code, string? Title, string? Detail);

/// <summary>A batch's answer (202 when every alert was accepted, else 207): the results in the order of the alerts.</summary>
public sealed record PublishBatchAnswer(int Accepted, IReadOnlyList<BatchItemResult> Results);

/// <summary>An RFC 9457 problem, with the stable <see cref="Code"/> also as a member of its own.</summary>
public sealed record ApiProblemBody(string Type, string Title, int Status, string Detail, string Code, int? RetryAfterMs);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PublishBatchRequest))]
[JsonSerializable(typeof(PublishAccepted))]
[JsonSerializable(typeof(PublishBatchAnswer))]
[JsonSerializable(typeof(ApiProblemBody))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
