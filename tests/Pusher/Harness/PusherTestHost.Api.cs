using Microsoft.AspNetCore.Http;
using Notifications.Pusher.Api;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Auth;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>The HTTP API endpoints of the test host: verify, read, publish to the hub, answer.</summary>
internal sealed partial class PusherTestHost
{
    private async Task<IResult> TriggerAsync(HttpContext context, PusherApps apps, string appId, bool batch)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var verdict = Verify(context, apps, appId, body.ToArray());
        if (verdict.App is not { } app)
            return Results.Text(verdict.Message, statusCode: verdict.Status);
        var trigger = batch ? ApiEventReader.Batch(app, body.ToArray()) : ApiEventReader.Events(app, body.ToArray());
        if (trigger.Problem is { } problem)
            return Results.Text(problem.Message, statusCode: problem.Status);
        foreach (var item in trigger.Value!.Items)
        {
            Published.Enqueue(item.Event);
            Hub.Publish(item.Event);
        }
        return Results.Bytes(ApiQueries.Triggered(app, trigger.Value, Hub, Hub.Roster), "application/json");
    }

    private Task<IResult> QueryAsync(HttpContext context, PusherApps apps, string appId, Func<PusherApp, ApiResult<byte[]>> query)
    {
        var verdict = Verify(context, apps, appId, []);
        if (verdict.App is not { } app)
            return Task.FromResult(Results.Text(verdict.Message, statusCode: verdict.Status));
        var answer = query(app);
        return Task.FromResult(answer.Problem is { } problem
            ? Results.Text(problem.Message, statusCode: problem.Status)
            : Results.Bytes(answer.Value!, "application/json"));
    }

    private ApiVerdict Verify(HttpContext context, PusherApps apps, string appId, byte[] body)
    {
        var verdict = ApiRequestVerifier.Verify(apps, appId, context.Request.Method, context.Request.Path, context.Request.QueryString.Value, body, DateTimeOffset.UtcNow);
        Verdicts.Enqueue(verdict);
        return verdict;
    }
}
