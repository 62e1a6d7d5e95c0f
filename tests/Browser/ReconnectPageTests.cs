using Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Notifications.Tests.Browser;

/// <summary>A page outlives a restart of its instance: it reconnects on its own, without a reload.</summary>
public sealed class ReconnectPageTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    // The page's backoff is capped at 15 s with full jitter, so one wait can last up to that plus a connect.
    private const float ReconnectWaitMs = 30_000;

    [Fact(Timeout = 90_000)]
    public async Task A_page_rides_out_a_graceful_restart_of_its_instance_and_keeps_receiving()
    {
        chromium.Require();
        string topic = TestInstance.NewTopic();
        var pinned = TestInstance.EmulatorSettings(emulator, topic, "ams");
        pinned["urls"] = $"http://127.0.0.1:{PubSubEmulator.FreePort()}";
        await using var syd = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await using var first = await TestInstance.StartAsync(pinned, output);
        await using var page = await chromium.OpenAsync(first, output);
        await page.WaitLiveAsync();
        await page.Page.EvaluateAsync("() => { window.sameDocument = true; }");

        await first.StopAsync();
        await Expect(page.Status).ToHaveAttributeAsync("data-state", "reconnecting");

        pinned["FLY_ALLOC_ID"] = TestInstance.NewId();
        await using var second = await TestInstance.StartAsync(pinned, output);
        Assert.Equal(first.BaseUri, second.BaseUri);
        await page.WaitLiveAsync(ReconnectWaitMs);
        await Expect(page.Page.Locator("#instance")).ToHaveTextAsync(second.InstanceId);
        Assert.True(await page.Page.EvaluateAsync<bool>("() => window.sameDocument === true"), "The page was reloaded.");

        await Task.WhenAll(syd.WaitReadyAsync(), second.WaitReadyAsync());
        await using var sender = await TestSocket.ConnectAsync(syd.SocketUri);
        await sender.SendAlertAsync("back after the restart");
        var alert = await page.WaitForAlertAsync("back after the restart");
        await Expect(alert.Locator(".region")).ToHaveTextAsync("syd");
    }
}
