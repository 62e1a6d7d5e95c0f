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
    /// What ships: the Dockerfile publishes the server as one Native AOT executable (the project sets
    /// PublishAot), so the bench runs that, not a JIT build whose startup, warm-up and memory are not the
    /// image's. The first publish compiles everything (about 2.5 minutes); later ones with no change reuse it.
    /// Returns the executable.
    /// </summary>
    public static async Task<string> BuildServerAsync(string root, CancellationToken cancellationToken)
    {
        Console.WriteLine("publishing server/ in Release, Native AOT for linux-x64, as the image runs it...");
        string output = Path.Combine(root, "server", "bin", "Release", "bench-publish");
        var info = new ProcessStartInfo("dotnet", [
            "publish", Path.Combine(root, "server"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo", "-v", "quiet"])
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
        string executable = Path.Combine(output, "Notifications");
        return File.Exists(executable) ? executable : throw new FileNotFoundException("The publish made no server executable.", executable);
    }
}
