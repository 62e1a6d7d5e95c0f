using System.Text.Json;
using Microsoft.Playwright;
using Notifications.Tests.Browser;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>The Echo page (tests/Pusher/js/page) in its own browser context, read through <c>window.harness.log</c>.</summary>
internal sealed class EchoPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly IPage _page;

    private EchoPage(IBrowserContext context, IPage page)
    {
        _context = context;
        _page = page;
    }

    public static async Task<EchoPage> OpenAsync(ChromiumFixture chromium, Uri uri, string name, ITestOutputHelper output)
    {
        var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        page.Console += (_, message) => Write(output, name, $"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => Write(output, name, $"page error: {error}");
        await page.GotoAsync(uri.ToString());
        var echo = new EchoPage(context, page);
        await echo.WaitForAsync(e => Kind(e) == "state" && e.GetProperty("state").GetString() == "connected", $"{name} is connected");
        return echo;
    }

    public static string Kind(JsonElement entry) => entry.GetProperty("kind").GetString()!;

    /// <summary>Calls into the page, e.g. <c>harness.join('room')</c>.</summary>
    public Task RunAsync(string script) => _page.EvaluateAsync(script);

    public async Task<JsonElement[]> LogAsync()
    {
        string json = await _page.EvaluateAsync<string>("JSON.stringify(window.harness.log)");
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    public Task<string> SocketIdAsync() => _page.EvaluateAsync<string>("window.harness.socketId()");

    /// <summary>Waits for a log entry that matches and returns it.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what)
    {
        JsonElement? found = null;
        try
        {
            await Eventually.TrueAsync(async () => (found = (await LogAsync()).FirstOrDefault(match)) is { ValueKind: not JsonValueKind.Undefined }, what);
        }
        catch (TimeoutException e)
        {
            // The page's whole log makes the failure explain itself.
            throw new TimeoutException($"{e.Message} The page's log: {string.Join(' ', await LogAsync())}", e);
        }
        return found!.Value;
    }

    /// <summary>Entries that match so far (wait for a later marker first, to count what came before it).</summary>
    public async Task<JsonElement[]> AllAsync(Func<JsonElement, bool> match) => [.. (await LogAsync()).Where(match)];

    private static void Write(ITestOutputHelper output, string name, string line)
    {
        try
        {
            output.WriteLine($"[echo {name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
