using System.Text.Json;
using Microsoft.Playwright;
using Notifications.Tests.Api;
using Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Notifications.Tests.Browser;

/// <summary>
/// The job-progress demo in real Chromium across two instances: the real job runner (samples/JobRunner) posts
/// through the publish API, the page follows its user: channel through the client library, behind a front door.
/// </summary>
public sealed class JobDemoPageTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    private const int Steps = 8;

    [Fact(Timeout = 180_000)]
    public async Task Progress_reaches_100_on_the_right_page_only_and_survives_a_restart_of_its_instance_with_no_step_lost_or_doubled()
    {
        chromium.Require();
        string topic = TestInstance.NewTopic();
        string amsUrl = $"http://127.0.0.1:{PubSubEmulator.FreePort()}", sydUrl = $"http://127.0.0.1:{PubSubEmulator.FreePort()}";
        var ams = Settings(topic, "ams", amsUrl, $"{amsUrl},{sydUrl}");
        await using var syd = await TestInstance.StartAsync(Settings(topic, "syd", sydUrl, $"{sydUrl},{amsUrl}"), output);
        var first = await TestInstance.StartAsync(ams, output);
        TestInstance? second = null;
        await using var door = new FrontDoor(first.BaseUri, syd.BaseUri);
        await using var context = await chromium.NewContextAsync();
        try
        {
            await Task.WhenAll(first.WaitReadyAsync(), syd.WaitReadyAsync());
            var ada = await SignInAsync(context, door.BaseUri, "ada");
            var bob = await SignInAsync(context, syd.BaseUri, "bob");
            await Expect(ada.Locator("#instance")).ToHaveTextAsync(first.InstanceId);

            await ada.EvaluateAsync($"() => {{ window.jobsDemoOptions = {{ steps: {Steps}, stepMs: 1000 }}; }}");
            await ada.ClickAsync("#start-button");
            await ada.WaitForFunctionAsync("() => window.jobs.reports().length >= 3", null, new() { Timeout = 30_000 });

            // The page cannot reconnect until two more steps were published while it was away: only a resume can bring them.
            await using var watcher = await TestSocket.ConnectAsync(syd.SocketUri, headers: new() { ["Authorization"] = $"Bearer {ApiFleet.Token("ada")}" });
            door.Refusing = true;
            await first.StopAsync();
            int seen = await ada.EvaluateAsync<int>("() => window.jobs.reports().length");
            await Eventually.TrueAsync(() => watcher.OfType("alert").Count(a => a.GetProperty("data").GetProperty("step").GetInt32() > seen) >= 2,
                "two more steps published while the page is away", TimeSpan.FromSeconds(30));
            await Expect(ada.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "live");
            door.Refusing = false;
            await Expect(ada.Locator("#instance")).ToHaveTextAsync(syd.InstanceId, new() { Timeout = 40_000 });
            ams["FLY_ALLOC_ID"] = TestInstance.NewId();
            second = await TestInstance.StartAsync(ams, output);

            await Expect(ada.Locator("#percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
            await Expect(ada.Locator("#result")).ToContainTextAsync("Ready:");
            var reports = JsonDocument.Parse(await ada.EvaluateAsync<string>("() => JSON.stringify(window.jobs.reports())")).RootElement
                .EnumerateArray().Select(r => $"{r.GetProperty("state").GetString()} {r.GetProperty("step").GetInt32()}").ToList();
            output.WriteLine($"ada's page showed: {string.Join(", ", reports)}");
            Assert.Equal([.. Enumerable.Range(0, Steps + 1).Select(s => $"running {s}"), $"done {Steps}"], reports);
            Assert.Equal(Steps, await ada.Locator("#steps li").CountAsync());
            await Expect(ada.Locator("#notice")).ToBeHiddenAsync();
            Assert.Equal(0, await bob.EvaluateAsync<int>("() => window.jobs.received().length"));
            await Expect(bob.Locator("#job")).ToBeHiddenAsync();
            if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOT") == "1")
                await ada.ScreenshotAsync(new() { Path = Path.Combine(ServerProcess.RepositoryRoot(), "docs", "jobs-screenshot.png"), FullPage = true });
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
                await second.DisposeAsync();
        }
    }

    private Dictionary<string, string?> Settings(string topic, string region, string url, string publishUrls)
    {
        var settings = TestInstance.EmulatorSettings(emulator, topic, region);
        settings["urls"] = url;
        settings["AUTH_HS256_SECRET"] = ApiTestHost.HsSecret;
        settings["DEV_TOKENS"] = "true";
        settings["DEMO_ENABLED"] = "true";
        settings["DEMO_PUBLISH_URL"] = publishUrls;
        return settings;
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, Uri baseUri, string user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(baseUri, "/jobs.html").ToString());
        await page.FillAsync("#name", user);
        await page.ClickAsync("#signin-button");
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("#user")).ToHaveTextAsync(user);
        return page;
    }
}
