using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Notifications.Api;
using Notifications.Demo;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Api;

/// <summary>
/// The demo's endpoints on real Kestrel, and the real job runner (samples/JobRunner) started as a process by
/// <c>POST /demo/jobs</c>, posting its progress through the publish API to the fake intake.
/// </summary>
public sealed class DemoJobTests(ITestOutputHelper output) : IAsyncDisposable
{
    private ApiTestHost? _host;

    [Fact(Timeout = 30_000)]
    public async Task Both_endpoints_are_off_by_default()
    {
        var host = await StartAsync(new() { ["PUBLISH_API_KEYS"] = "", ["AUTH_HS256_SECRET"] = ApiTestHost.HsSecret });

        using var token = await host.Http.PostAsJsonAsync(DemoExtensions.TokenPath, new { user = "ada" }, TestContext.Current.CancellationToken);
        using var job = await host.Http.PostAsync(DemoExtensions.JobsPath, null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, job.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PublishEndpointTests.PostAsync(host, PublishEndpointTests.Valid, key: new DemoKey(ApiTestHost.HsSecret).Secret)).Status);
    }

    [Fact(Timeout = 30_000)]
    public async Task Dev_tokens_name_the_user_asked_for_and_refuse_a_name_no_channel_can_hold()
    {
        var host = await StartAsync(DemoSettings());

        var token = await TokenAsync(host, "ada");
        using var bad = await host.Http.PostAsJsonAsync(DemoExtensions.TokenPath, new { user = "a b" }, TestContext.Current.CancellationToken);

        Assert.Equal("user:ada", token.GetProperty("channel").GetString());
        Assert.True(token.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(9));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        // An operator who left them on sees it at boot.
        Assert.Contains(host.Log.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning && e.MessageTemplate.Text.StartsWith("DEV_TOKENS is on"));
        Assert.Contains(host.Log.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning && e.MessageTemplate.Text.StartsWith("DEMO_ENABLED is on"));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_job_needs_the_callers_token()
    {
        var host = await StartAsync(DemoSettings());

        using var none = await host.Http.PostAsync(DemoExtensions.JobsPath, null, TestContext.Current.CancellationToken);
        using var forged = await StartJobAsync(host, "not.a.token");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Empty(host.Publisher.Alerts);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_job_reports_every_step_in_order_to_its_users_channel_through_the_publish_api()
    {
        var host = await StartAsync(DemoSettings());
        string token = (await TokenAsync(host, "ada")).GetProperty("token").GetString()!;

        using var started = await StartJobAsync(host, token, steps: 3);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        string id = job.GetProperty("job").GetString()!;
        Assert.Equal("user:ada", job.GetProperty("channel").GetString());

        var alerts = await WaitForDoneAsync(host, id);
        Assert.All(alerts, a => Assert.Equal("user:ada", a.Channel));
        Assert.Equal(["running", "running", "running", "running", "done"], alerts.Select(a => State(a)));
        Assert.Equal([0, 25, 50, 75, 100], alerts.Select(a => a.Data!.Value.GetProperty("percent").GetInt32()));
        Assert.Equal(IdempotentIds.For(DemoKey.Name, $"job-{id}-step-1"), alerts[1].Id);
        Assert.Equal($"export-{id}.mp4", alerts[^1].Data!.Value.GetProperty("result").GetProperty("file").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_runner_moves_on_to_the_next_url_when_one_does_not_answer_and_loses_no_step()
    {
        int port = PubSubEmulator.FreePort();
        var settings = DemoSettings();
        settings["urls"] = $"http://127.0.0.1:{port}";
        settings["DEMO_PUBLISH_URL"] = $"http://127.0.0.1:{PubSubEmulator.FreePort()},http://127.0.0.1:{port}";
        var host = await StartAsync(settings);
        string token = (await TokenAsync(host, "ada")).GetProperty("token").GetString()!;

        using var started = await StartJobAsync(host, token, steps: 2);
        string id = (await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("job").GetString()!;

        var alerts = await WaitForDoneAsync(host, id);
        Assert.Equal(4, alerts.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_runner_waits_out_an_instance_that_cannot_publish_and_each_step_is_one_alert()
    {
        var host = await StartAsync(DemoSettings());
        string token = (await TokenAsync(host, "ada")).GetProperty("token").GetString()!;
        host.Publisher.Unavailable = "Pub/Sub refuses publishes (Unavailable)";

        using var started = await StartJobAsync(host, token, steps: 2);
        string id = (await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("job").GetString()!;
        await Eventually.TrueAsync(() => host.Log.Events.Count(e => e.Properties.TryGetValue("Status", out var status) && status.ToString() == "503") >= 2,
            "the runner was refused at least twice", TimeSpan.FromSeconds(20));
        host.Publisher.Unavailable = null;

        var alerts = await WaitForDoneAsync(host, id);
        Assert.Equal(4, alerts.Count);
        Assert.Equal(alerts.Count, host.Publisher.DistinctIds.Count);
    }

    private static Dictionary<string, string?> DemoSettings()
    {
        var settings = ApiTestHost.DefaultSettings();
        settings["DEMO_ENABLED"] = "true";
        settings["DEV_TOKENS"] = "true";
        return settings;
    }

    private static string State(ApiAlert alert) => alert.Data!.Value.GetProperty("state").GetString()!;

    private static async Task<List<ApiAlert>> WaitForDoneAsync(ApiTestHost host, string job)
    {
        List<ApiAlert> Alerts() => host.Publisher.Alerts.Where(a => a.Data?.GetProperty("job").GetString() == job).ToList();
        await Eventually.TrueAsync(() => Alerts().Any(a => State(a) == "done"), $"job {job} reported done", TimeSpan.FromSeconds(45));
        return Alerts();
    }

    private static async Task<JsonElement> TokenAsync(ApiTestHost host, string user)
    {
        using var response = await host.Http.PostAsJsonAsync(DemoExtensions.TokenPath, new { user }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private static Task<HttpResponseMessage> StartJobAsync(ApiTestHost host, string token, int steps = 3)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, DemoExtensions.JobsPath) { Content = JsonContent.Create(new { steps, stepMs = 100 }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return host.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<ApiTestHost> StartAsync(Dictionary<string, string?> settings) =>
        _host = await ApiTestHost.StartAsync(output, settings);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }
}
