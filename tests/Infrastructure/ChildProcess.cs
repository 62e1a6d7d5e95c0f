using System.Diagnostics;

namespace Notifications.Tests.Infrastructure;

/// <summary>What every test that runs the server as its own process needs: its output, its health, its end.</summary>
internal static class ChildProcess
{
    /// <summary>Copies one line of the process's output to the test's; a line after the test ended is dropped.</summary>
    public static void Echo(ITestOutputHelper output, string? line)
    {
        if (line is null)
            return;
        try
        {
            output.WriteLine("[process] " + line);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Waits until the process answers <c>/healthz?strict</c> with 200 (Pub/Sub working both ways), failing at once if it exits first.</summary>
    public static async Task WaitHealthyAsync(Process process, Uri baseUri, string what)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{what} exited early with code {process.ExitCode}.");
            try
            {
                using var response = await http.GetAsync("/healthz?strict");
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                return false; // not listening yet, or a first request slowed by a busy machine: ask again
            }
        }, $"{what} answers /healthz?strict with 200", TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills what is still running, its children too, and releases it.</summary>
    public static async ValueTask KillAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
