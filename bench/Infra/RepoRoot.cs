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
    /// What ships: the Dockerfile compiles the app ahead of time (ReadyToRun, linux-x64) and runs it on
    /// the composite ASP.NET image, whose framework is one ReadyToRun composite. This machine's shared
    /// framework is not, so the bench publishes self-contained with the framework compiled as one composite
    /// and the app's assemblies compiled alone (<c>FrameworkComposite.targets</c>): startup and
    /// first-request figures are the image's, not a JIT-only build's. The first publish compiles the
    /// framework (about 2 minutes); later ones reuse it. Its own obj/bin folders, so a publish of another
    /// kind in the usual ones cannot hand it stale ReadyToRun images.
    /// </summary>
    public static async Task<string> BuildServerAsync(string root, CancellationToken cancellationToken)
    {
        Console.WriteLine("publishing server/ in Release, ReadyToRun on a composite framework, as the image runs it...");
        string output = Path.Combine(root, "server", "bin", "Release", "bench-publish");
        string targets = Path.Combine(root, "bench", "Infra", "FrameworkComposite.targets");
        var info = new ProcessStartInfo("dotnet", [
            "publish", Path.Combine(root, "server"), "-c", "Release", "-r", "linux-x64", "--self-contained", "true",
            "-p:PublishReadyToRun=true", "-p:PublishReadyToRunComposite=true", $"-p:CustomAfterMicrosoftCommonTargets={targets}",
            "-p:IntermediateOutputPath=obj/bench-publish/", "-p:OutputPath=bin/bench-build/",
            "-o", output, "-nologo", "-v", "quiet"])
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
