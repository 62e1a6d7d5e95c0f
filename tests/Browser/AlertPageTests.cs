using Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Notifications.Tests.Browser;

/// <summary>The real page in a real Chromium against real instances on the Pub/Sub emulator.</summary>
public sealed class AlertPageTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>, IAsyncDisposable
{
    private readonly string _topic = TestInstance.NewTopic();
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact(Timeout = 60_000)]
    public async Task A_click_in_one_region_shows_the_alert_on_pages_in_both_regions()
    {
        var (ams, syd) = (await StartAsync("ams"), await StartAsync("syd"));
        var pages = new[] { await OpenAsync(ams), await OpenAsync(syd) };
        foreach (var (page, instance) in pages.Zip([ams, syd]))
        {
            await page.WaitLiveAsync();
            await Expect(page.Page.Locator("#instance")).ToHaveTextAsync(instance.InstanceId);
            await Expect(page.Page.Locator("#region")).ToHaveTextAsync(instance.Region);
        }

        await pages[0].Send.ClickAsync();

        foreach (var page in pages)
        {
            var alert = await page.WaitForAlertAsync("Alien landing!");
            await Expect(alert.Locator(".region")).ToHaveTextAsync("ams");
            await Expect(alert.Locator(".instance")).ToHaveTextAsync(ams.InstanceId);
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<script>alert(2)</script>")]
    public async Task Markup_in_alert_text_shows_as_literal_text_and_never_runs(string payload)
    {
        var page = await OpenAsync(await StartAsync("ams"));
        await page.WaitLiveAsync();

        await page.SendAsync(payload);

        var alert = await page.WaitForAlertAsync(payload);
        Assert.Equal(payload, await alert.Locator(".text").TextContentAsync());
        Assert.Equal(0, await page.Page.Locator("#feed img, #feed script").CountAsync());
        Assert.Empty(page.Dialogs);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_default_alert_can_be_sent_with_the_keyboard_alone()
    {
        var page = await OpenAsync(await StartAsync("ams"));
        await page.WaitLiveAsync();
        await page.Page.EvaluateAsync("() => document.activeElement?.blur()");

        for (int presses = 0; presses < 10 && !await IsFocusedAsync(page, "send"); presses++)
            await page.Page.Keyboard.PressAsync("Tab");
        Assert.True(await IsFocusedAsync(page, "send"), "Tab never reached the send button.");
        await page.Page.Keyboard.PressAsync("Enter");

        await page.WaitForAlertAsync("Alien landing!");
    }

    [Fact(Timeout = 30_000)]
    public async Task Text_over_the_limit_is_refused_in_the_page_and_never_sent()
    {
        var instance = await StartAsync("ams");
        var page = await OpenAsync(instance);
        await using var listener = await TestSocket.ConnectAsync(instance.SocketUri);
        await page.WaitLiveAsync();
        string tooLong = string.Concat(Enumerable.Repeat("🛸", 281));

        await page.Text.FillAsync(tooLong);
        await page.Text.PressAsync("Enter");
        // Past the disabled button too: the submit handler itself must refuse.
        await page.Page.EvaluateAsync("() => document.getElementById('composer').requestSubmit()");

        await Expect(page.Send).ToBeDisabledAsync();
        await Expect(page.Error).ToHaveAttributeAsync("data-code", "text_too_long");
        await Expect(page.Error).ToHaveAttributeAsync("data-local", "true");
        await Expect(page.Page.Locator("#counter")).ToHaveTextAsync("281 / 280");
        Assert.Empty(page.SentFrames);
        // A valid alert sent after it on the same socket: once it arrives, anything sent before it would have too.
        await page.SendAsync("short enough");
        await listener.WaitForAlertAsync("short enough");
        Assert.Equal(["short enough"], listener.OfType("alert").Select(a => a.GetProperty("text").GetString()));
        Assert.Single(page.SentFrames);
    }

    private static Task<bool> IsFocusedAsync(AlertPage page, string id) =>
        page.Page.EvaluateAsync<bool>("id => document.activeElement?.id === id", id);

    private async Task<TestInstance> StartAsync(string region)
    {
        chromium.Require();
        var instance = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, _topic, region), output);
        _owned.Add(instance);
        await instance.WaitReadyAsync();
        return instance;
    }

    private async Task<AlertPage> OpenAsync(TestInstance instance)
    {
        var page = await chromium.OpenAsync(instance, output);
        _owned.Add(page);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        // Pages first, so no instance waits on a browser socket while it drains.
        foreach (var owned in Enumerable.Reverse(_owned))
            await owned.DisposeAsync();
    }
}
