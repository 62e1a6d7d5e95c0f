using System.Diagnostics;
using System.Text.Json;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>
/// The real Pusher client packages in tests/Pusher/js, installed with <c>npm ci</c> from its lockfile the
/// first time a test needs them (once per test run; .ci/run installs them up front). Without Node the
/// tests that need it skip and say so; under <c>CI=true</c> they fail instead, like the browser tests.
/// </summary>
internal static class PusherClients
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool _installed;

    /// <summary>tests/Pusher/js in the source tree (the tests run from bin/, so it is found by walking up).</summary>
    public static string Directory { get; } = FindDirectory();

    public static string NodeModules => Path.Combine(Directory, "node_modules");

    /// <summary>Makes sure node and the packages are there; skips (or, under CI, fails) the calling test when node is missing.</summary>
    public static async Task RequireAsync()
    {
        if (Find("node") is null)
        {
            const string Hint = "Install Node.js 18 or later (apt-get install -y nodejs npm).";
            if (Environment.GetEnvironmentVariable("CI") == "true")
                throw new InvalidOperationException($"No node on PATH. CI=true, so the Pusher client tests fail rather than skip. {Hint}");
            Assert.Skip($"No node on PATH. {Hint}");
        }
        await InstallGate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!_installed && !IsInstalled())
                await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            _installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs api.js (the Node <c>pusher</c> SDK) with one request and returns its per-call results.</summary>
    public static async Task<JsonElement[]> ApiAsync(object request)
    {
        string output = await RunAsync("node", ["api.js", JsonSerializer.Serialize(request)], TimeSpan.FromSeconds(60));
        return JsonDocument.Parse(output).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    /// <summary>Starts a Node script that keeps running (the caller owns and kills it).</summary>
    public static Process Start(string script, string argument)
    {
        var info = new ProcessStartInfo(Find("node")!, [script, argument])
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(info)!;
    }

    private static bool IsInstalled()
    {
        // npm ci records what it installed here; a lockfile newer than that means the packages changed.
        string marker = Path.Combine(NodeModules, ".package-lock.json");
        return File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(Path.Combine(Directory, "package-lock.json"));
    }

    private static async Task<string> RunAsync(string tool, string[] arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Find(tool) ?? tool, arguments)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments.Take(1))} did not finish within {timeout}.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {arguments[0]} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Pusher", "js");
            if (File.Exists(Path.Combine(candidate, "package.json")))
                return candidate;
        }
        throw new InvalidOperationException("tests/Pusher/js/package.json not found above " + AppContext.BaseDirectory);
    }
}
