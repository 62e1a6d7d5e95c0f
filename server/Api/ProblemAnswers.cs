using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Notifications.Api;

/// <summary>Writes a <see cref="PublishProblem"/> as RFC 9457 <c>application/problem+json</c>: the publish API's and the demo's refusals look alike.</summary>
internal static class ProblemAnswers
{
    public const string ContentType = "application/problem+json";

    /// <summary>With Retry-After (whole seconds, rounded up) when waiting helps, and for 401 WWW-Authenticate (RFC 6750).</summary>
    public static Task WriteAsync(HttpContext context, PublishProblem problem)
    {
        var response = context.Response;
        response.StatusCode = problem.Status;
        int? retryAfterMs = problem.RetryAfter is { } wait ? (int)Math.Ceiling(wait.TotalMilliseconds) : null;
        if (retryAfterMs is { } ms)
            response.Headers[HeaderNames.RetryAfter] = Math.Max(1, (int)Math.Ceiling(ms / 1000.0)).ToString(CultureInfo.InvariantCulture);
        if (problem.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers[HeaderNames.WWWAuthenticate] = problem.Code == PublishProblems.KeyInvalid
                ? "Bearer realm=\"notifications\", error=\"invalid_token\""
                : "Bearer realm=\"notifications\"";
        }
        var body = new ApiProblemBody(problem.Type, problem.Title, problem.Status, problem.Detail, problem.Code, retryAfterMs);
        return response.WriteAsJsonAsync(body, ApiJsonContext.Default.ApiProblemBody, ContentType, context.RequestAborted);
    }
}
