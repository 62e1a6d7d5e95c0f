using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Notifications.Samples.JobRunner;

/// <summary>
/// Posts one report to <c>POST /api/v1/publish</c> until an instance accepts it: on a network error or a 5xx it
/// moves to the next URL, on 429 or 503 it waits as Retry-After says, all with full-jitter backoff, for at most
/// <see cref="JobSettings.RetryBudget"/>. Any other refusal (400, 401, 403, 409, 413) is the runner's own fault
/// and ends the job, since sending the same again cannot help.
/// </summary>
internal sealed class ProgressPublisher(HttpClient http, JobSettings settings, TextWriter log)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);
    private int _current;

    public async Task<bool> PublishAsync(PublishBody body, CancellationToken cancellationToken)
    {
        var giveUpAt = DateTimeOffset.UtcNow + JobSettings.RetryBudget;
        for (int attempt = 0; ; attempt++)
        {
            var url = settings.ApiUrls[_current % settings.ApiUrls.Count];
            var (outcome, wait) = await TryOnceAsync(url, body, cancellationToken);
            if (outcome is not null)
                return outcome.Value;
            if (DateTimeOffset.UtcNow + wait > giveUpAt)
            {
                log.WriteLine($"Giving up on {body.IdempotencyKey} after {attempt + 1} attempts.");
                return false;
            }
            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>True or false when the report is settled; null and how long to wait when it should be tried again.</summary>
    private async Task<(bool? Outcome, TimeSpan Wait)> TryOnceAsync(Uri baseUrl, PublishBody body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/api/v1/publish"))
        {
            Content = JsonContent.Create(body, JobJsonContext.Default.PublishBody),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
                return (true, TimeSpan.Zero);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    _current++;
                return (null, Jitter(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1)));
            }
            if ((int)response.StatusCode < 500)
            {
                log.WriteLine($"{baseUrl} refused {body.IdempotencyKey}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                return (false, TimeSpan.Zero);
            }
            log.WriteLine($"{baseUrl} answered {(int)response.StatusCode} for {body.IdempotencyKey}; trying the next.");
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            log.WriteLine($"{baseUrl} did not answer for {body.IdempotencyKey} ({e.GetType().Name}); trying the next.");
        }
        _current++;
        return (null, Jitter(TimeSpan.FromMilliseconds(500)));
    }

    // Full jitter, so runners retrying after the same outage do not come back in step.
    private static TimeSpan Jitter(TimeSpan ceiling) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(ceiling.TotalMilliseconds, MaxWait.TotalMilliseconds));
}
