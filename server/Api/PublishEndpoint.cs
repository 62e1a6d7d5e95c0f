using System.Text.Json;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Api;

/// <summary>
/// <c>POST /api/v1/publish</c> (one alert) and <c>POST /api/v1/publish/batch</c> (up to 100, each answered on
/// its own) for backends, with <c>Authorization: Bearer &lt;key&gt;</c>. In order: the key (401, never read a
/// body for a stranger), the body (415, 413, 400), each alert (400, 403, 413), then the instance's ability to
/// publish (503) and the key's rate (429), and last the publish itself through <see cref="IChannelPublisher"/>.
/// Every refusal is <c>application/problem+json</c> with a stable code (docs/api.md).
/// </summary>
internal sealed partial class PublishEndpoint
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private readonly ApiKeys _keys;
    private readonly PublishRateLimiter _limiter;
    private readonly IdempotencyLog _log;
    private readonly IChannelPublisher _publisher;
    private readonly PublishItemReader _reader;
    private readonly ApiMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<PublishEndpoint> _logger;

    public PublishEndpoint(ApiKeys keys, PublishRateLimiter limiter, IdempotencyLog log, IChannelPublisher publisher, ApiMetrics metrics,
        IOptions<PublishApiOptions> options, IOptions<ConnectionOptions> connection, TimeProvider clock, ILogger<PublishEndpoint> logger)
    {
        (_keys, _limiter, _log, _publisher, _metrics, _clock, _logger) = (keys, limiter, log, publisher, metrics, clock, logger);
        _reader = new PublishItemReader(connection.Value.MaxTextLength, options.Value.MaxDataBytes);
    }

    public async Task HandleOneAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is not { } key)
            return;
        var headerKeys = context.Request.Headers[IdempotencyKeyHeader];
        if (headerKeys.Count > 1)
        {
            // Taking one, or none, could publish a retry twice: the key must not be lost unnoticed.
            await RefuseAsync(context, key, PublishProblems.BadRequest(PublishProblems.InvalidIdempotencyKey,
                $"The {IdempotencyKeyHeader} header came {headerKeys.Count} times; send it once."));
            return;
        }
        string? headerKey = headerKeys.Count == 1 ? headerKeys[0] : null;
        var (document, problem) = await PublishBodyReader.ReadAsync(context.Request, _reader.MaxItemBytes, context.RequestAborted);
        using (document)
        {
            if (problem is not null)
            {
                await RefuseAsync(context, key, problem);
                return;
            }
            var read = _reader.Read(document!.RootElement, key, headerKey);
            var (refusal, answers) = await PublishAsync(key, [read], context.RequestAborted);
            if ((refusal ?? answers[0].Problem) is { } itemProblem)
                await RefuseAsync(context, key, itemProblem);
            else
                await AcceptAsync(context, key, answers[0]);
        }
    }

    public async Task HandleBatchAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is not { } key)
            return;
        int maxBytes = PublishApiOptions.MaxBatchSize * _reader.MaxItemBytes + 1024;
        var (document, problem) = await PublishBodyReader.ReadAsync(context.Request, maxBytes, context.RequestAborted);
        using (document)
        {
            if ((problem ?? BatchProblem(document!.RootElement)) is { } batchProblem)
            {
                await RefuseAsync(context, key, batchProblem);
                return;
            }
            var reads = document!.RootElement.GetProperty("alerts").EnumerateArray().Select(item => _reader.Read(item, key)).ToList();
            var (refusal, answers) = await PublishAsync(key, reads, context.RequestAborted);
            if (refusal is not null)
                await RefuseAsync(context, key, refusal);
            else
                await AnswerBatchAsync(context, key, answers);
        }
    }

    /// <summary>The key of the request, or null once a 404 or 401 has been answered.</summary>
    private async Task<ApiKey?> AuthenticateAsync(HttpContext context)
    {
        PublishProblem? problem;
        ApiKey? key = null;
        if (!_keys.Enabled)
        {
            problem = new PublishProblem(404, PublishProblems.NotFound, "The publish API is off on this server: set PUBLISH_API_KEYS to turn it on.");
        }
        else
        {
            var secret = ApiKeys.BearerSecret(context.Request.Headers.Authorization);
            key = secret.IsEmpty ? null : _keys.Find(secret);
            problem = secret.IsEmpty
                ? new PublishProblem(401, PublishProblems.KeyMissing, "Send an API key: Authorization: Bearer <key>.")
                : key is null ? new PublishProblem(401, PublishProblems.KeyInvalid, "The API key is not one this server accepts.") : null;
        }
        if (problem is null)
            return key;
        Log.RefusedStranger(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", problem.Status, problem.Code);
        await WriteProblemAsync(context, problem);
        return null;
    }

    private static PublishProblem? BatchProblem(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
            return PublishProblems.Invalid("A batch is a JSON object {\"alerts\": [ … ]} holding 1 to 100 alerts.");
        if (root.EnumerateObject().Count() != 1)
            return PublishProblems.Invalid("A batch holds only \"alerts\"; put each alert's fields inside it.");
        int count = alerts.GetArrayLength();
        if (count == 0)
            return PublishProblems.Invalid("The batch is empty.");
        return count > PublishApiOptions.MaxBatchSize
            ? new PublishProblem(413, PublishProblems.BatchTooLarge, $"The batch holds {count} alerts; the limit is {PublishApiOptions.MaxBatchSize}.")
            : null;
    }
}
