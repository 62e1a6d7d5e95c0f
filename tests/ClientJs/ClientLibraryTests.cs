using System.Diagnostics;
using System.Text.RegularExpressions;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.ClientJs;

/// <summary>
/// Runs the client library's own tests (<c>node --test tests/ClientJs/</c>: client-web/notifications.js
/// against a fake WebSocket and window) as part of <c>dotnet test</c>, so CI runs them. Without Node 20
/// or later the test skips and says so; under <c>CI=true</c> it fails instead, like the browser tests.
/// </summary>
public sealed class ClientLibraryTests(ITestOutputHelper output)
{
    private const int MinimumNodeMajor = 20;

    [Fact(Timeout = 120_000)]
    public async Task The_client_library_passes_its_node_tests()
    {
        string node = RequireNode();
        string root = ServerProcess.RepositoryRoot();
        var (exitCode, tap) = await RunAsync(node, ["--test", "--test-reporter=tap", Path.Combine("tests", "ClientJs") + "/"], root);

        int passed = Count(tap, "pass"), failed = Count(tap, "fail"), cancelled = Count(tap, "cancelled");
        output.WriteLine($"node --test: {passed} passed, {failed} failed, {cancelled} cancelled (exit {exitCode})");
        if (failed > 0 || exitCode != 0)
        {
            foreach (var line in tap.Split('\n').Where(l => l.StartsWith("not ok", StringComparison.Ordinal)))
                output.WriteLine(line);
        }
        Assert.True(exitCode == 0 && failed == 0 && cancelled == 0, $"The client library's node tests failed; the output above has each failure.\n{Tail(tap)}");
        // A file that no longer loads runs nothing and fails nothing: insist the suite actually ran.
        Assert.True(passed >= 50, $"Only {passed} client library tests ran; expected the whole suite (50 or more).");
    }

    private string RequireNode()
    {
        string? node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);
        string? problem = node is null ? "No node on PATH." : null;
        if (node is not null && NodeMajor(node) is var major && major < MinimumNodeMajor)
            problem = $"node is version {major}; the client library's tests need {MinimumNodeMajor} or later (node:test's mock timers).";
        if (problem is null)
            return node!;
        const string Hint = "Install Node.js 20 or later (apt-get install -y nodejs).";
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException($"{problem} CI=true, so the client library tests fail rather than skip. {Hint}");
        Assert.Skip($"{problem} {Hint}");
        return "";
    }

    private static int NodeMajor(string node)
    {
        using var process = Process.Start(new ProcessStartInfo(node, ["--version"]) { RedirectStandardOutput = true })!;
        string version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return int.TryParse(version.TrimStart('v').Split('.')[0], out int major) ? major : 0;
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string node, string[] arguments, string directory)
    {
        var info = new ProcessStartInfo(node, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        string errors = await stderr;
        if (errors.Length > 0)
            output.WriteLine(errors);
        return (process.ExitCode, await stdout);
    }

    private static int Count(string tap, string what)
    {
        var match = Regex.Match(tap, $@"^# {what} (\d+)$", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value) : 0;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
