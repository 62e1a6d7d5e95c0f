using Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Notifications.Tests.Browser;

/// <summary>The page resumes by itself: after time away it shows what it missed, once each, or says it may have missed some.</summary>
public sealed class ResumePageTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    private const float ReconnectWaitMs = 30_000;

    [Fact(Timeout = 90_000)]
    public async Task Alerts_sent_while_the_page_was_offline_appear_once_each_when_it_comes_back()
    {
        chromium.Require();
        string topic = TestInstance.NewTopic();
        await using var ams = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "ams"), output);
        await using var syd = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await Task.WhenAll(ams.WaitReadyAsync(), syd.WaitReadyAsync());
        await using var page = await chromium.OpenAsync(ams, output);
        await page.WaitLiveAsync();
        await using var sender = await TestSocket.ConnectAsync(syd.SocketUri);
        await sender.SendAlertAsync("before going away");
        await page.WaitForAlertAsync("before going away");

        await GoOfflineAsync(page);
        string[] missed = ["missed one", "missed two", "missed three"];
        foreach (var text in missed)
        {
            await sender.SendAlertAsync(text);
            await sender.WaitForAlertAsync(text);
        }
        await page.Page.Context.SetOfflineAsync(false);

        await page.WaitLiveAsync(ReconnectWaitMs);
        foreach (var text in missed)
            await Expect(page.Alert(text)).ToHaveCountAsync(1);
        await Expect(page.Alerts).ToHaveCountAsync(4);
        await Expect(page.Page.Locator("#notice")).ToBeHiddenAsync();
    }

    [Fact(Timeout = 90_000)]
    public async Task A_page_that_had_no_alert_yet_still_gets_those_sent_while_it_was_offline()
    {
        // With no alert id to resume from, the page resumes from the last moment it heard from the server. The replay
        // is complete only if that moment, less the slack, falls after the instance subscribed: so the page opens
        // a slack after that.
        chromium.Require();
        string topic = TestInstance.NewTopic();
        var amsSettings = TestInstance.EmulatorSettings(emulator, topic, "ams");
        var sydSettings = TestInstance.EmulatorSettings(emulator, topic, "syd");
        amsSettings["RESUME_SLACK_SECONDS"] = sydSettings["RESUME_SLACK_SECONDS"] = "1";
        await using var ams = await TestInstance.StartAsync(amsSettings, output);
        await using var syd = await TestInstance.StartAsync(sydSettings, output);
        await Task.WhenAll(ams.WaitReadyAsync(), syd.WaitReadyAsync());
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        await using var page = await chromium.OpenAsync(ams, output);
        await page.WaitLiveAsync();
        await using var sender = await TestSocket.ConnectAsync(syd.SocketUri);

        await GoOfflineAsync(page);
        await sender.SendAlertAsync("missed while new");
        await sender.WaitForAlertAsync("missed while new");
        await page.Page.Context.SetOfflineAsync(false);

        await page.WaitLiveAsync(ReconnectWaitMs);
        await Expect(page.Alert("missed while new")).ToHaveCountAsync(1);
        await Expect(page.Page.Locator("#notice")).ToBeHiddenAsync();
    }

    [Fact(Timeout = 90_000)]
    public async Task A_page_that_comes_back_to_an_instance_without_its_history_says_it_may_have_missed_alerts()
    {
        chromium.Require();
        string topic = TestInstance.NewTopic();
        var pinned = TestInstance.EmulatorSettings(emulator, topic, "ams");
        pinned["urls"] = $"http://127.0.0.1:{PubSubEmulator.FreePort()}";
        await using var syd = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        var first = await TestInstance.StartAsync(pinned, output);
        await Task.WhenAll(first.WaitReadyAsync(), syd.WaitReadyAsync());
        await using var page = await chromium.OpenAsync(first, output);
        await page.WaitLiveAsync();
        await using var sender = await TestSocket.ConnectAsync(syd.SocketUri);
        await sender.SendAlertAsync("seen");
        await page.WaitForAlertAsync("seen");

        await GoOfflineAsync(page);
        await first.DisposeAsync();
        await sender.SendAlertAsync("published while nobody at this address listened");
        await sender.WaitForAlertAsync("published while nobody at this address listened");
        await using var second = await TestInstance.StartAsync(pinned, output);
        await second.WaitReadyAsync();
        await page.Page.Context.SetOfflineAsync(false);

        await page.WaitLiveAsync(ReconnectWaitMs);
        await Expect(page.Page.Locator("#notice")).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#notice")).ToContainTextAsync("may have missed");
    }

    /// <summary>Offline first, so the page does not reconnect; then its socket is closed under it.</summary>
    private static async Task GoOfflineAsync(AlertPage page)
    {
        await page.Page.Context.SetOfflineAsync(true);
        await page.Page.EvaluateAsync("() => window.notifications.socket()?.close()");
        await Expect(page.Status).ToHaveAttributeAsync("data-state", "offline");
    }
}
