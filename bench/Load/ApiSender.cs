using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Notifications.Bench.Metrics;

namespace Notifications.Bench.Load;

/// <summary>
/// Publishes through <c>POST /api/v1/publish</c> (batch 1) or <c>/api/v1/publish/batch</c>, open loop: request k is
/// due at t0 + k·batch/rate and every alert in it carries that intended time in its text, the same tag the socket
/// sender writes, so the receivers' ledger measures POST-to-delivery whatever the HTTP side does. Requests are not
/// awaited one by one; <see cref="Sent.Answer"/> is each request's round trip to its 202.
/// </summary>
internal static class ApiSender
{
    public sealed record Sent(long Alerts, long Requests, long Refused, TimeSpan Elapsed, LatencySummary Answer);

    public static async Task<Sent> RunAsync(HttpClient http, string key, byte[] runTag, int step, double rate, int batch,
        TimeSpan duration, CancellationToken cancellationToken)
    {
        long total = Math.Max(1, (long)Math.Round(rate * duration.TotalSeconds / batch));
        string tag = Encoding.ASCII.GetString(runTag);
        var answers = new Recorder();
        var inFlight = new List<Task<bool>>();
        long t0 = Stopwatch.GetTimestamp(), next = 0;
        double ticksPerRequest = Stopwatch.Frequency * batch / rate;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            long due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - t0) / ticksPerRequest) + 1);
            for (; next < due; next++)
                inFlight.Add(PostAsync(http, key, Body(tag, step, next * batch, batch, t0 + (long)(next * ticksPerRequest)), batch, answers, cancellationToken));
            if (next < total)
                await Task.Delay(1, cancellationToken);
        }
        bool[] accepted = await Task.WhenAll(inFlight);
        return new Sent(next * batch, next, accepted.Count(a => !a), Stopwatch.GetElapsedTime(t0), answers.Merge().Summary());
    }

    private static string Body(string tag, int step, long firstSeq, int batch, long intendedTicks)
    {
        var alerts = Enumerable.Range(0, batch).Select(i => $$"""{"channel":"global","text":"b:{{tag}}{{step}}:{{firstSeq + i}}:{{intendedTicks}}"}""");
        return batch == 1 ? alerts.Single() : $$"""{"alerts":[{{string.Join(',', alerts)}}]}""";
    }

    private static async Task<bool> PostAsync(HttpClient http, string key, string body, int batch, Recorder answers, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, batch == 1 ? "/api/v1/publish" : "/api/v1/publish/batch")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            answers.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            return response.StatusCode == HttpStatusCode.Accepted;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
