using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Browser;

/// <summary>
/// Captures the page fed from three regions on every run. It writes docs/screenshot.png only when
/// UPDATE_SCREENSHOT=1, since random instance ids change the bytes each time; otherwise the picture
/// goes to the test output folder.
/// </summary>
public sealed class ScreenshotTests(PubSubEmulator emulator, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    private static readonly (string Region, string Text)[] Sent =
    [
        ("lax", "Crop circles spotted outside Barstow"),
        ("syd", "Mothership hovering over the Opera House"),
        ("ams", "Alien landing!"),
    ];

    [Fact(Timeout = 60_000)]
    public async Task Three_regions_feeding_one_page_are_captured_in_a_screenshot()
    {
        chromium.Require();
        string topic = TestInstance.NewTopic();
        var instances = await Task.WhenAll(new[] { "ams", "syd", "lax" }.Select(region =>
            TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, region), output)));
        try
        {
            await Task.WhenAll(instances.Select(i => i.WaitReadyAsync()));
            await using var page = await chromium.OpenAsync(instances[0], output);
            await page.WaitLiveAsync();

            // One at a time, so the feed's newest-first order is the order above, reversed.
            foreach (var (region, text) in Sent)
            {
                await using var sender = await TestSocket.ConnectAsync(instances.Single(i => i.Region == region).SocketUri);
                await sender.SendAlertAsync(text);
                await page.WaitForAlertAsync(text);
            }
            await page.WaitLiveAsync();

            string path = Environment.GetEnvironmentVariable("UPDATE_SCREENSHOT") == "1"
                ? Path.Combine(ServerProcess.RepositoryRoot(), "docs", "screenshot.png")
                : Path.Combine(AppContext.BaseDirectory, "screenshot.png");
            // Finishes the arrival flash, so the picture does not depend on how fast the alerts came in.
            await page.Page.ScreenshotAsync(new() { Path = path, Animations = Microsoft.Playwright.ScreenshotAnimations.Disabled });
            output.WriteLine($"Wrote {path}");
            Assert.True(new FileInfo(path).Length > 10_000, $"{path} is suspiciously small.");
        }
        finally
        {
            foreach (var instance in instances)
                await instance.DisposeAsync();
        }
    }
}
