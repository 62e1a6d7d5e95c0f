using System.Collections.Concurrent;
using Microsoft.Playwright;
using Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Notifications.Tests.Browser;

/// <summary>
/// The Notifications page in its own browser context, seen through the ids that index.html and app.js
/// promise. The page's console errors and uncaught exceptions go to the test output.
/// </summary>
public sealed class AlertPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ITestOutputHelper _output;
    private readonly string _name;

    private AlertPage(IBrowserContext context, IPage page, string name, ITestOutputHelper output)
    {
        (_context, Page, _name, _output) = (context, page, name, output);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
                Write($"console.{message.Type}: {message.Text}");
        };
        page.PageError += (_, error) => Write($"page error: {error}");
        page.Dialog += async (_, dialog) =>
        {
            Dialogs.Enqueue($"{dialog.Type}: {dialog.Message}");
            Write($"dialog {dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        page.WebSocket += (_, socket) => socket.FrameSent += (_, frame) => SentFrames.Enqueue(frame.Text ?? "");
    }

    public IPage Page { get; }

    /// <summary>Every alert/confirm/prompt the page opened; a safe page opens none.</summary>
    public ConcurrentQueue<string> Dialogs { get; } = new();

    /// <summary>Every text frame the page sent on any of its sockets.</summary>
    public ConcurrentQueue<string> SentFrames { get; } = new();

    public ILocator Status => Page.Locator("#status");
    public ILocator Text => Page.Locator("#text");
    public ILocator Send => Page.Locator("#send");
    public ILocator Error => Page.Locator("#error");
    public ILocator Alerts => Page.Locator("#feed > li.alert");

    /// <summary>The feed entry whose .text is exactly <paramref name="text"/>.</summary>
    public ILocator Alert(string text) =>
        Alerts.Filter(new() { Has = Page.Locator(".text").GetByText(text, new() { Exact = true }) });

    public static async Task<AlertPage> OpenAsync(IBrowser browser, TestInstance instance, ITestOutputHelper output)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 800 } });
        var page = new AlertPage(context, await context.NewPageAsync(), $"{instance.Region}/{instance.InstanceId}", output);
        await page.Page.GotoAsync(instance.BaseUri.ToString());
        return page;
    }

    public Task WaitLiveAsync(float? timeoutMs = null) =>
        Expect(Status).ToHaveAttributeAsync("data-state", "live", new() { Timeout = timeoutMs });

    /// <summary>Types the text and clicks the button, as a user would.</summary>
    public async Task SendAsync(string text)
    {
        await Text.FillAsync(text);
        await Send.ClickAsync();
    }

    /// <summary>Waits for exactly one feed entry with this text and returns it.</summary>
    public async Task<ILocator> WaitForAlertAsync(string text)
    {
        var alert = Alert(text);
        await Expect(alert).ToHaveCountAsync(1);
        return alert;
    }

    private void Write(string line)
    {
        try
        {
            _output.WriteLine($"[page {_name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; a late line (a socket closing at teardown) has nowhere to go.
        }
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
