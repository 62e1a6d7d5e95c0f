using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Notifications.Api;

namespace Notifications.Tests.Api;

/// <summary><c>POST /api/v1/publish</c> on real Kestrel, with a fake intake: keys, answers, every refusal, idempotent retries.</summary>
public sealed class PublishEndpointTests(ITestOutputHelper output) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact(Timeout = 30_000)]
    public async Task An_alert_is_accepted_with_202_and_its_id_and_handed_to_the_intake_as_sent()
    {
        var host = await StartAsync();

        var answer = await PostAsync(host, """{"channel":"user:42","text":" Your export is ready ","data":{"job":"7","percent":100}}""");

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        string id = answer.Body.GetProperty("id").GetString()!;
        Assert.Equal("user:42", answer.Body.GetProperty("channel").GetString());
        Assert.Equal(7, Guid.Parse(id).Version);
        var alert = Assert.Single(host.Publisher.Alerts);
        Assert.Equal((id, "user:42", "Your export is ready"), (alert.Id, alert.Channel, alert.Text));
        Assert.Equal("""{"job":"7","percent":100}""", alert.Data!.Value.GetRawText());
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_a_key_or_with_an_unknown_one_the_answer_is_401_and_nothing_is_published()
    {
        var host = await StartAsync();

        var none = await PostAsync(host, Valid, key: null);
        var wrong = await PostAsync(host, Valid, key: ApiTestHost.Laravel + "x");

        AssertProblem(none, 401, "key_missing");
        AssertProblem(wrong, 401, "key_invalid");
        Assert.Equal("Bearer realm=\"notifications\"", none.Headers.WwwAuthenticate.ToString());
        Assert.Contains("error=\"invalid_token\"", wrong.Headers.WwwAuthenticate.ToString());
        Assert.Empty(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task During_a_rotation_both_secrets_of_a_key_work_and_share_its_name()
    {
        var host = await StartAsync();
        var old = await PostAsync(host, Idempotent("rotating"), key: ApiTestHost.Laravel);
        var next = await PostAsync(host, Idempotent("rotating"), key: ApiTestHost.LaravelNext);

        Assert.Equal(HttpStatusCode.Accepted, old.Status);
        Assert.Equal(old.Body.GetProperty("id").GetString(), next.Body.GetProperty("id").GetString());
    }

    [Fact(Timeout = 30_000)]
    public async Task With_no_keys_configured_the_api_is_off()
    {
        var host = await StartAsync(new Dictionary<string, string?>());
        AssertProblem(await PostAsync(host, Valid), 404, "api_disabled");
    }

    [Fact(Timeout = 30_000)]
    public async Task Each_refusal_is_problem_json_with_its_status_and_stable_code()
    {
        var host = await StartAsync();

        AssertProblem(await PostAsync(host, "{not json"), 400, "invalid_body");
        AssertProblem(await PostAsync(host, """{"channel":"user:42"}"""), 400, "text_required");
        AssertProblem(await PostAsync(host, """{"channel":"no spaces","text":"x"}"""), 400, "invalid_channel");
        AssertProblem(await PostAsync(host, """{"channel":"user:42","text":"x"}""", key: ApiTestHost.Ci), 403, "channel_forbidden");
        AssertProblem(await PostAsync(host, Valid, contentType: "text/plain"), 415, "unsupported_media_type");
        AssertProblem(await PostAsync(host, $$"""{"channel":"global","text":"{{new string('x', 281)}}"}"""), 400, "text_too_long");
        AssertProblem(await PostAsync(host, $$$"""{"channel":"global","text":"x","data":{"x":"{{{new string('x', 4100)}}}"}}"""), 413, "data_too_large");
        AssertProblem(await PostAsync(host, $$$"""{"channel":"global","text":"x","data":{"x":"{{{new string('x', 20_000)}}}"}}"""), 413, "body_too_large");
        AssertProblem(await PostAsync(host, "{" + new string(' ', 1) + string.Concat(Enumerable.Repeat("\"a\":{", 20)) + "}"), 400, "invalid_body");
        Assert.Empty(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_retry_gets_the_first_id_and_is_not_published_again_once_the_topic_confirmed_it()
    {
        var host = await StartAsync();

        var first = await PostAsync(host, Idempotent("job-7-step-3"));
        var retry = await PostAsync(host, Idempotent("job-7-step-3"));

        string id = first.Body.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        Assert.Equal(id, retry.Body.GetProperty("id").GetString());
        Assert.Equal(8, Guid.Parse(id).Version);
        Assert.Single(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_retry_to_another_instance_gets_the_same_id_so_every_instances_dedup_delivers_it_once()
    {
        var one = await StartAsync();
        var two = await StartAsync();

        var first = await PostAsync(one, Idempotent("job-7-step-3"));
        var retry = await PostAsync(two, Idempotent("job-7-step-3"));

        Assert.Equal(first.Body.GetProperty("id").GetString(), retry.Body.GetProperty("id").GetString());
        Assert.Equal(one.Publisher.Alerts.Single().Id, two.Publisher.Alerts.Single().Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_alert_only_queued_is_published_again_on_retry_with_the_same_id()
    {
        var host = await StartAsync();
        host.Publisher.Outcome = PublishOutcome.Queued;

        await PostAsync(host, Idempotent("k"));
        await PostAsync(host, Idempotent("k"));

        Assert.Equal(2, host.Publisher.Alerts.Count);
        Assert.Single(host.Publisher.DistinctIds);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_same_idempotency_key_for_another_alert_is_409_where_the_first_was_published()
    {
        var host = await StartAsync();
        await PostAsync(host, Idempotent("k", text: "first"));

        var reused = await PostAsync(host, Idempotent("k", text: "second"));

        AssertProblem(reused, 409, "idempotency_conflict");
        Assert.Single(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_idempotency_key_may_come_as_a_header()
    {
        var host = await StartAsync();
        var first = await PostAsync(host, """{"channel":"user:42","text":"Step 3 of 8"}""", headers: ("Idempotency-Key", "from-header"));
        var body = await PostAsync(host, Idempotent("from-header"));
        Assert.Equal(first.Body.GetProperty("id").GetString(), body.Body.GetProperty("id").GetString());
        Assert.Single(host.Publisher.Alerts);

        // Two header lines (a proxy adding its own; HttpClient would join them into one): refused, not published without a key.
        const string Body = """{"channel":"user:42","text":"Step 4 of 8"}""";
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host.BaseUri.Host, host.BaseUri.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {PublishApiExtensions.PublishPath} HTTP/1.1\r\nHost: {host.BaseUri.Authority}\r\nAuthorization: Bearer {ApiTestHost.Laravel}\r\n" +
            $"Content-Type: application/json\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}"),
            TestContext.Current.CancellationToken);
        string response = await new StreamReader(stream).ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("invalid_idempotency_key", response, StringComparison.Ordinal);
        Assert.Contains("came 2 times", response, StringComparison.Ordinal);
        Assert.Single(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task While_the_instance_cannot_publish_the_answer_is_503_with_the_reason_and_retry_after()
    {
        var host = await StartAsync();
        host.Publisher.Unavailable = "Pub/Sub refuses publishes (Unavailable)";

        var answer = await PostAsync(host, Valid);

        AssertProblem(answer, 503, "unavailable");
        Assert.Contains("Pub/Sub refuses publishes", answer.Body.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), answer.Headers.RetryAfter?.Delta);
        AssertProblem(await PostAsync(host, """{"channel":"x y","text":"z"}"""), 400, "invalid_channel");
        Assert.Empty(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_alert_the_intake_gives_up_is_503_publish_failed()
    {
        var host = await StartAsync();
        host.Publisher.Outcome = PublishOutcome.Refused("the publish buffer is full");
        var answer = await PostAsync(host, Idempotent("k"));
        AssertProblem(answer, 503, "publish_failed");

        host.Publisher.Outcome = PublishOutcome.Published;
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, Idempotent("k"))).Status);
        Assert.Equal(2, host.Publisher.Alerts.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_and_another_key_is_unaffected()
    {
        var settings = ApiTestHost.DefaultSettings();
        settings["PUBLISH_API_RATE_PER_SECOND"] = "0.5";
        settings["PUBLISH_API_BURST"] = "100";
        var host = await StartAsync(settings);
        var hundred = string.Join(",", Enumerable.Range(0, 100).Select(i => $$"""{"channel":"global","text":"{{i}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, $$"""{"alerts":[{{hundred}}]}""", path: PublishApiExtensions.BatchPath)).Status);

        var limited = await PostAsync(host, Valid);

        AssertProblem(limited, 429, "rate_limited");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 2);
        Assert.InRange(limited.Body.GetProperty("retryAfterMs").GetInt32(), 1, 2000);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, """{"channel":"public:deploys","text":"x"}""", key: ApiTestHost.Ci)).Status);
        Assert.Equal(101, host.Publisher.Alerts.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_secrets_never_reach_the_log_but_the_key_names_do()
    {
        var host = await StartAsync();
        await PostAsync(host, Valid);
        await PostAsync(host, Valid, key: ApiTestHost.Laravel + "-wrong");
        await PostAsync(host, """{"channel":"user:1","text":"x"}""", key: ApiTestHost.Ci);

        var lines = host.Log.Events.Select(e => e.RenderMessage()).ToList();
        Assert.Contains(lines, l => l.Contains("\"ci\"", StringComparison.Ordinal) && l.Contains("403", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(ApiTestHost.Laravel, StringComparison.Ordinal) || l.Contains(ApiTestHost.Ci, StringComparison.Ordinal));
    }

    internal const string Valid = """{"channel":"global","text":"Deploy finished"}""";

    internal static string Idempotent(string key, string text = "Step 3 of 8") =>
        $$"""{"channel":"user:42","text":"{{text}}","idempotencyKey":"{{key}}"}""";

    internal static void AssertProblem(Answer answer, int status, string code)
    {
        Assert.Equal(status, (int)answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(code, answer.Body.GetProperty("code").GetString());
        Assert.Equal($"urn:notifications:problem:{code}", answer.Body.GetProperty("type").GetString());
        Assert.Equal(status, answer.Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("detail").GetString()));
    }

    internal sealed record Answer(HttpStatusCode Status, JsonElement Body, string? ContentType, HttpResponseHeaders Headers);

    internal static Task<Answer> PostAsync(ApiTestHost host, string json, string? key = ApiTestHost.Laravel, string contentType = "application/json",
        string path = PublishApiExtensions.PublishPath, params (string Name, string Value)[] headers) =>
        PostAsync(host.Http, json, key, contentType, path, headers);

    internal static async Task<Answer> PostAsync(HttpClient http, string json, string? key = ApiTestHost.Laravel, string contentType = "application/json",
        string path = PublishApiExtensions.PublishPath, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers)
            request.Headers.Add(name, value);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, response.Headers);
    }

    private async Task<ApiTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var host = await ApiTestHost.StartAsync(output, settings);
        _owned.Add(host);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
            await owned.DisposeAsync();
    }
}
