using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Browser;

/// <summary>Keeps docs/screenshot.png current: it is cheap, so it runs with every test run.</summary>
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
    public async Task Three_regions_feeding_one_page_are_captured_in_docs_screenshot_png()
    {
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

            string path = Path.Combine(RepositoryRoot(), "docs", "screenshot.png");
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

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Notifications.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No Notifications.sln above {AppContext.BaseDirectory}.");
    }
}
