using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Api;
using Notifications.Identity;

namespace Notifications.Demo;

/// <summary>
/// The demo's two endpoints. <c>POST /demo/token</c> (<c>DEV_TOKENS</c>) answers a signed token for the user
/// named in the body. <c>POST /demo/jobs</c> (<c>DEMO_ENABLED</c>) starts a job for the user of the bearer token,
/// which reports its progress to that user's <c>user:</c> channel.
/// </summary>
internal sealed class DemoEndpoints(DevTokenIssuer issuer, JobLauncher launcher, TokenValidator tokens)
{
    public const int DefaultSteps = 8;
    public const int DefaultStepMilliseconds = 1500;

    public async Task IssueTokenAsync(HttpContext context)
    {
        var request = await ReadAsync(context, DemoJsonContext.Default.DevTokenRequest);
        if (request is null || DevTokenIssuer.UserProblem(request.User) is { } problem)
        {
            await ProblemAnswers.WriteAsync(context, PublishProblems.Invalid(request is null ? "Send {\"user\": \"ada\"}." : DevTokenIssuer.UserProblem(request.User)!));
            return;
        }
        var token = issuer.Issue(request.User!);
        await context.Response.WriteAsJsonAsync(new DevTokenAnswer(token.Token, token.User, $"user:{token.User}", token.ExpiresAt),
            DemoJsonContext.Default.DevTokenAnswer, cancellationToken: context.RequestAborted);
    }

    public async Task StartJobAsync(HttpContext context)
    {
        var secret = ApiKeys.BearerSecret(context.Request.Headers.Authorization);
        var check = secret.IsEmpty ? default : await tokens.ValidateAsync(secret.ToString(), context.RequestAborted);
        if (check.Identity is not { } identity)
        {
            await ProblemAnswers.WriteAsync(context, new PublishProblem(401, "token_invalid", check.Refusal?.Reason ?? "Send the connection token: Authorization: Bearer <token>.") { Title = "A connection token is needed" });
            return;
        }
        var request = context.Request.HasJsonContentType() ? await ReadAsync(context, DemoJsonContext.Default.JobRequest) : new JobRequest(null, null);
        if (request is null || request.Steps is < 1 or > 50 || request.StepMs is < 100 or > 10_000)
        {
            await ProblemAnswers.WriteAsync(context, PublishProblems.Invalid("Send {\"steps\": 1 to 50, \"stepMs\": 100 to 10000}, or no body."));
            return;
        }
        var order = new JobOrder(Guid.NewGuid().ToString("N")[..12], identity.UserChannel, request.Steps ?? DefaultSteps, request.StepMs ?? DefaultStepMilliseconds);
        if (!launcher.TryStart(order, out var problem))
        {
            bool busy = launcher.Runner is not null;
            await ProblemAnswers.WriteAsync(context, new PublishProblem(busy ? 429 : 503, busy ? "too_many_jobs" : "runner_missing", problem!)
            {
                Title = busy ? "Too many jobs running" : "No job runner",
                RetryAfter = busy ? TimeSpan.FromSeconds(5) : null,
            });
            return;
        }
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new JobStarted(order.Id, order.Channel, order.Steps, order.StepMilliseconds),
            DemoJsonContext.Default.JobStarted, cancellationToken: context.RequestAborted);
    }

    private static async Task<T?> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await context.Request.ReadFromJsonAsync(type, context.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

internal sealed record DevTokenRequest(string? User);

internal sealed record DevTokenAnswer(string Token, string User, string Channel, DateTimeOffset ExpiresAt);

internal sealed record JobRequest(int? Steps, int? StepMs);

internal sealed record JobStarted(string Job, string Channel, int Steps, int StepMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DevTokenRequest))]
[JsonSerializable(typeof(DevTokenAnswer))]
[JsonSerializable(typeof(JobRequest))]
[JsonSerializable(typeof(JobStarted))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
