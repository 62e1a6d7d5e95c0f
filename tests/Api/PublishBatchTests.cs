using System.Net;
using Notifications.Api;
using Notifications.Tests.Infrastructure;
using static Notifications.Tests.Api.PublishEndpointTests;

namespace Notifications.Tests.Api;

/// <summary><c>POST /api/v1/publish/batch</c>: up to 100 alerts in order, each answered on its own.</summary>
public sealed class PublishBatchTests(ITestOutputHelper output) : IAsyncDisposable
{
    private ApiTestHost? _host;

    [Fact(Timeout = 30_000)]
    public async Task Each_alert_is_answered_on_its_own_in_order_and_the_good_ones_are_published()
    {
        var host = await StartAsync();

        var answer = await PostAsync(host, """
            {"alerts":[
              {"channel":"user:1","text":"one"},
              {"channel":"bad name","text":"two"},
              {"channel":"user:3","text":""},
              {"channel":"user:4","text":"four","idempotencyKey":"k4"}
            ]}
            """, path: PublishApiExtensions.BatchPath);

        Assert.Equal(HttpStatusCode.MultiStatus, answer.Status);
        Assert.Equal(2, answer.Body.GetProperty("accepted").GetInt32());
        var results = answer.Body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([202, 400, 400, 202], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal("invalid_channel", results[1].GetProperty("code").GetString());
        Assert.Equal("text_required", results[2].GetProperty("code").GetString());
        Assert.Equal(IdempotentIds.For("laravel", "k4"), results[3].GetProperty("id").GetString());
        Assert.Equal(["one", "four"], host.Publisher.Alerts.Select(a => a.Text));
        Assert.Equal(results[0].GetProperty("id").GetString(), host.Publisher.Alerts.First().Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_alert_repeated_in_a_batch_is_answered_as_its_first_copy_is_published_once_and_a_changed_one_is_409()
    {
        var host = await StartAsync();
        const string Batch = """
            {"alerts":[
              {"channel":"user:1","text":"same","idempotencyKey":"k"},
              {"channel":"user:1","text":"same","idempotencyKey":"k"},
              {"channel":"user:1","text":"changed","idempotencyKey":"k"}
            ]}
            """;
        // The first copy is not published: a backend that retries only what failed must retry the repeat too.
        host.Publisher.Outcome = PublishOutcome.Refused("the publish buffer is full");
        var refused = await PostAsync(host, Batch, path: PublishApiExtensions.BatchPath);
        Assert.Equal([503, 503, 409], Statuses(refused));

        host.Publisher.Outcome = PublishOutcome.Published;
        var published = await PostAsync(host, Batch, path: PublishApiExtensions.BatchPath);
        Assert.Equal([202, 202, 409], Statuses(published));
        var results = published.Body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(results[0].GetProperty("id").GetString(), results[1].GetProperty("id").GetString());
        // Once for the refused batch, once for the published one: never for a repeat.
        Assert.Equal(2, host.Publisher.Alerts.Count);
    }

    private static List<int> Statuses(Answer answer) =>
        [.. answer.Body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32())];

    [Fact(Timeout = 30_000)]
    public async Task A_batch_of_good_alerts_is_202_and_they_reach_the_intake_in_order()
    {
        var host = await StartAsync();
        var alerts = string.Join(",", Enumerable.Range(1, 100).Select(i => $$"""{"channel":"global","text":"{{i}}"}"""));

        var answer = await PostAsync(host, $$"""{"alerts":[{{alerts}}]}""", path: PublishApiExtensions.BatchPath);

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        Assert.Equal(100, answer.Body.GetProperty("accepted").GetInt32());
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString()), host.Publisher.Alerts.Select(a => a.Text));
    }

    [Fact(Timeout = 30_000)]
    public async Task Every_alert_is_queued_before_the_batch_waits_for_the_topic()
    {
        var host = await StartAsync();
        host.Publisher.Hold();

        var pending = PostAsync(host, """{"alerts":[{"channel":"global","text":"a"},{"channel":"global","text":"b"},{"channel":"global","text":"c"}]}""", path: PublishApiExtensions.BatchPath);
        await Eventually.TrueAsync(() => host.Publisher.Alerts.Count == 3, "all three alerts are queued while the first is unconfirmed", TimeSpan.FromSeconds(10));
        Assert.False(pending.IsCompleted);
        host.Publisher.Release();

        Assert.Equal(HttpStatusCode.Accepted, (await pending).Status);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("""{"alerts":[]}""", 400, "invalid_body")]
    [InlineData("""{"alerts":{}}""", 400, "invalid_body")]
    [InlineData("""[{"channel":"global","text":"x"}]""", 400, "invalid_body")]
    [InlineData("""{"alerts":[{"channel":"global","text":"x"}],"extra":1}""", 400, "invalid_body")]
    public async Task A_batch_that_is_not_one_is_refused_whole(string json, int status, string code)
    {
        var host = await StartAsync();
        AssertProblem(await PostAsync(host, json, path: PublishApiExtensions.BatchPath), status, code);
        Assert.Empty(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task More_than_100_alerts_are_refused_whole_with_413()
    {
        var host = await StartAsync();
        var alerts = string.Join(",", Enumerable.Range(0, 101).Select(_ => """{"channel":"global","text":"x"}"""));
        AssertProblem(await PostAsync(host, $$"""{"alerts":[{{alerts}}]}""", path: PublishApiExtensions.BatchPath), 413, "batch_too_large");
    }

    [Fact(Timeout = 30_000)]
    public async Task One_idempotency_key_twice_in_a_batch_is_one_alert_or_a_conflict()
    {
        var host = await StartAsync();

        var answer = await PostAsync(host, """
            {"alerts":[
              {"channel":"user:1","text":"same","idempotencyKey":"k"},
              {"channel":"user:1","text":"same","idempotencyKey":"k"},
              {"channel":"user:1","text":"other","idempotencyKey":"k"}
            ]}
            """, path: PublishApiExtensions.BatchPath);

        var results = answer.Body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([202, 202, 409], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(results[0].GetProperty("id").GetString(), results[1].GetProperty("id").GetString());
        Assert.Single(host.Publisher.Alerts);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_batch_the_key_has_no_room_for_is_refused_whole_with_429()
    {
        var settings = ApiTestHost.DefaultSettings();
        settings["PUBLISH_API_RATE_PER_SECOND"] = "0.01";
        settings["PUBLISH_API_BURST"] = "100";
        var host = await StartAsync(settings);
        var sixty = string.Join(",", Enumerable.Range(0, 60).Select(_ => """{"channel":"global","text":"x"}"""));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, $$"""{"alerts":[{{sixty}}]}""", path: PublishApiExtensions.BatchPath)).Status);

        AssertProblem(await PostAsync(host, $$"""{"alerts":[{{sixty}}]}""", path: PublishApiExtensions.BatchPath), 429, "rate_limited");
        Assert.Equal(60, host.Publisher.Alerts.Count);
    }

    private async Task<ApiTestHost> StartAsync(IDictionary<string, string?>? settings = null) =>
        _host = await ApiTestHost.StartAsync(output, settings);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }
}
