using System.Diagnostics;

namespace Notifications.Bench.Infra;

/// <summary>Finds the repository and publishes the server once, as the Dockerfile does, for every scenario to run.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Notifications.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException("Run the bench from inside the repository (no Notifications.sln above here).");
    }

    /// <summary>
    /// What ships: a Release publish compiled ahead of time (ReadyToRun) for linux-x64, the Dockerfile's
    /// command, so startup and first-request figures are the image's, not a JIT-only build's.
    /// </summary>
    public static async Task<string> BuildServerAsync(string root, CancellationToken cancellationToken)
    {
        Console.WriteLine("publishing server/ in Release, ReadyToRun, as the Dockerfile does...");
        string output = Path.Combine(root, "server", "bin", "Release", "bench-publish");
        var info = new ProcessStartInfo("dotnet", [
            "publish", Path.Combine(root, "server"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
            "-p:PublishReadyToRun=true", "-p:UseAppHost=false", "-o", output, "-nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(info)!;
        var stdout = build.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"The server did not publish:\n{await stdout}{await errors}");
        string dll = Path.Combine(output, "Notifications.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The publish made no server dll.", dll);
    }
}
