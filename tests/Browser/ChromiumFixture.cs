using System.Diagnostics.CodeAnalysis;
using Microsoft.Playwright;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Browser;

/// <summary>
/// One headless Chromium per test class, the machine's own install rather than Playwright's download
/// (which not every machine can reach). Without Chromium each browser test skips and says how to
/// install it; under <c>CI=true</c> it fails instead, so CI can never skip the browser tests silently.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private const string InstallHint = "Install it with `apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium executable.";

    private static readonly string[] LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly (string? Path, string Missing) _lookup = Find();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        if (_lookup.Path is null)
            return;
        // Page waits cover a server round trip through the emulator; Playwright's 5 s default is tight on a busy machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = _lookup.Path,
            Headless = true,
            Args = LaunchArgs,
        });
    }

    /// <summary>Skips the calling test (fails it under CI) when there is no Chromium; call it before any costly setup.</summary>
    [MemberNotNull(nameof(_browser))]
    public void Require()
    {
        if (_browser is not null)
            return;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException($"{_lookup.Missing} CI=true, so the browser tests fail rather than skip. {InstallHint}");
        Assert.Skip($"{_lookup.Missing} {InstallHint}");
    }

    /// <summary>Opens the instance's page in a fresh browser context.</summary>
    public Task<AlertPage> OpenAsync(TestInstance instance, ITestOutputHelper output)
    {
        Require();
        return AlertPage.OpenAsync(_browser, instance, output);
    }

    /// <summary>A fresh browser context for a test's own pages (the Pusher tests' Echo page).</summary>
    public Task<IBrowserContext> NewContextAsync()
    {
        Require();
        return _browser.NewContextAsync();
    }

    /// <summary>CHROMIUM_PATH when set (and then only it), else the Debian paths, else chromium on PATH.</summary>
    private static (string? Path, string Missing) Find()
    {
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured)
            return File.Exists(configured) ? (configured, "") : (null, $"CHROMIUM_PATH={configured} does not exist.");
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") });
        string? found = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.Concat(onPath).FirstOrDefault(File.Exists);
        return (found, "No Chromium found (looked at CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser and PATH).");
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
