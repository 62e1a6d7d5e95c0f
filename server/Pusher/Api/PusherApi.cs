using Notifications.Bus;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Auth;
using Notifications.Pusher.Census;
using Notifications.Pusher.Fanout;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Api;

/// <summary>
/// Pusher's HTTP API as the server SDKs call it: every request verified (<see cref="ApiRequestVerifier"/>: key,
/// timestamp within 600 s, body_md5, signature in constant time) before anything is read or answered; events
/// published to the bus before the answer, so a 200 means every instance will deliver them; queries answered
/// from the fleet's view (<see cref="FleetCensus"/>, <see cref="PresenceRoster"/>).
/// </summary>
internal sealed partial class PusherApi(PusherApps apps, PusherPublisher publisher, FleetCensus census, PresenceRoster presence, TimeProvider clock,
    ILogger<PusherApi> logger)
{
    /// <summary>How long a trigger waits for Pub/Sub to take its events before answering 503.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    public async Task<IResult> TriggerAsync(HttpContext context, string appId, bool batch)
    {
        // Signed first, read after: an unsigned request costs no body's worth of memory.
        var request = context.Request;
        var verdict = ApiRequestVerifier.VerifyQuery(apps, appId, request.Method, request.Path.Value ?? "", request.QueryString.Value, clock.GetUtcNow(), out var signed);
        if (verdict.App is not { } app)
            return Refused(context, appId, verdict);
        var body = await ReadBodyAsync(context, BodyLimit(app));
        if (body is null)
            return Refuse(413, "The body is larger than this app's events could be.");
        if (ApiRequestVerifier.CheckBody(signed!, body) is { } mismatch)
            return Refused(context, appId, mismatch);
        var trigger = batch ? ApiEventReader.Batch(app, body) : ApiEventReader.Events(app, body);
        if (trigger.Problem is { } problem)
            return Refuse(problem.Status, problem.Message);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(PublishTimeout);
            await publisher.PublishNowAsync([.. trigger.Value!.Items.Select(i => i.Event)], deadline.Token);
        }
        catch (Exception e) when (e is BusUnavailableException or OperationCanceledException)
        {
            Log.PublishFailed(logger, app.Id, trigger.Value!.Items.Count, e.Message);
            return Refuse(503, "The events were not published: Pub/Sub is not taking messages right now. Try again.");
        }
        return Results.Bytes(ApiQueries.Triggered(app, trigger.Value, census, presence), "application/json");
    }

    public IResult Channels(HttpContext context, string appId) =>
        Query(context, appId, app => ApiQueries.Channels(app, context.Request.Query["filter_by_prefix"], context.Request.Query["info"], census, presence));

    public IResult Channel(HttpContext context, string appId, string name) =>
        Query(context, appId, app => ApiQueries.Channel(app, name, context.Request.Query["info"], census, presence));

    public IResult Users(HttpContext context, string appId, string name) =>
        Query(context, appId, app => ApiQueries.Users(app, name, presence));

    private IResult Query(HttpContext context, string appId, Func<PusherApp, ApiResult<byte[]>> query)
    {
        var verdict = Verify(context, appId, []);
        if (verdict.App is not { } app)
            return Refuse(verdict.Status, verdict.Message);
        var answer = query(app);
        return answer.Problem is { } problem ? Refuse(problem.Status, problem.Message) : Results.Bytes(answer.Value!, "application/json");
    }

    private ApiVerdict Verify(HttpContext context, string appId, byte[] body)
    {
        var request = context.Request;
        var verdict = ApiRequestVerifier.Verify(apps, appId, request.Method, request.Path.Value ?? "", request.QueryString.Value, body, clock.GetUtcNow());
        if (!verdict.Accepted)
            Log.Refused(logger, appId, request.Method, request.Path.Value ?? "", verdict.Refusal, verdict.Status);
        return verdict;
    }

    private IResult Refused(HttpContext context, string appId, ApiVerdict verdict)
    {
        Log.Refused(logger, appId, context.Request.Method, context.Request.Path.Value ?? "", verdict.Refusal, verdict.Status);
        return Refuse(verdict.Status, verdict.Message);
    }

    /// <summary>A batch of the app's largest events, every character escaped, with room for names and channels.</summary>
    private static long BodyLimit(PusherApp app) => app.Limits.MaxBatchSize * (6L * app.Limits.MaxEventBytes + 32 * 1024);

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static IResult Refuse(int status, string message) => Results.Text(message + "\n", statusCode: status);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9004, Level = LogLevel.Debug,
            Message = "Pusher API refused {Method} {Path} for app {AppId}: {Refusal} ({Status}).")]
        public static partial void Refused(ILogger logger, string appId, string method, string path, ApiRefusal refusal, int status);

        [LoggerMessage(EventId = 9005, Level = LogLevel.Warning,
            Message = "Pusher API: {Count} events of app {AppId} were not published ({Reason}); answered 503.")]
        public static partial void PublishFailed(ILogger logger, string appId, int count, string reason);
    }
}
