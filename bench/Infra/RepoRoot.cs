using System.Diagnostics;

namespace Notifications.Bench.Infra;

/// <summary>Finds the repository and builds the server once, in Release, as every scenario runs it.</summary>
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

    public static async Task<string> BuildServerAsync(string root, CancellationToken cancellationToken)
    {
        Console.WriteLine("building server/ in Release...");
        var info = new ProcessStartInfo("dotnet", ["build", Path.Combine(root, "server"), "-c", "Release", "-nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(info)!;
        var output = build.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"The server did not build:\n{await output}{await errors}");
        string dll = Path.Combine(root, "server", "bin", "Release", "net10.0", "Notifications.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The build made no server dll.", dll);
    }
}
