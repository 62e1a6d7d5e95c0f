using System.Diagnostics;

namespace Notifications.Bench.Infra;

/// <summary>Makes each kind of server runnable once per run: publishes ours as the image does, builds the .NET yardsticks, installs Node's <c>ws</c>.</summary>
internal static class ServerBuilds
{
    /// <summary>
    /// <paramref name="name"/> is a <see cref="ServerKind.Known"/> name, or the path of another build of ours: a dll run
    /// with <c>dotnet</c>, or an executable (a Native AOT publish) run as it is.
    /// </summary>
    public static async Task<ServerKind> PrepareAsync(string name, string root, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case ServerKind.Ours:
                return new ServerKind(name, await PublishOursAsync(root, cancellationToken), [], true);
            case ServerKind.Floor:
                return new ServerKind(name, "dotnet", [await BuildAsync(root, "Floor", cancellationToken)], false);
            case ServerKind.Reference:
                return new ServerKind(name, "dotnet", [await BuildAsync(root, "Reference", cancellationToken)], false);
            case ServerKind.Node:
                return new ServerKind(name, "node", [await InstallNodeAsync(root, cancellationToken)], false);
            default:
                string path = Path.GetFullPath(name);
                if (!File.Exists(path))
                    throw new FileNotFoundException($"No server {name}: give one of {string.Join(", ", ServerKind.Known)}, a dll or an executable.", path);
                // Named by its folder: two builds of ours side by side (an A/B) both have Notifications.dll.
                string label = Path.GetFileName(Path.GetDirectoryName(path)) is { Length: > 0 } folder ? folder : Path.GetFileNameWithoutExtension(path);
                return path.EndsWith(".dll", StringComparison.Ordinal)
                    ? new ServerKind(label, "dotnet", [path], true)
                    : new ServerKind(label, path, [], true);
        }
    }

    /// <summary>
    /// What ships: the Dockerfile publishes the server as one Native AOT executable (the project sets
    /// PublishAot), so the bench runs that, not a JIT build whose startup, warm-up and memory are not the
    /// image's. The first publish compiles everything (about 2.5 minutes); later ones with no change reuse it.
    /// Returns the executable.
    /// </summary>
    private static async Task<string> PublishOursAsync(string root, CancellationToken cancellationToken)
    {
        Console.WriteLine("publishing server/ in Release, Native AOT for linux-x64, as the image runs it...");
        string server = Path.Combine(root, "server");
        string output = Path.Combine(server, "bin", "Release", "bench-publish");
        await RunAsync("dotnet", ["publish", server, "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo", "-v", "quiet"], server, cancellationToken);
        string executable = Path.Combine(output, "Notifications");
        return File.Exists(executable) ? executable : throw new FileNotFoundException("The publish made no server executable.", executable);
    }

    /// <summary><c>dotnet build -c Release bench/&lt;project&gt;</c>; returns the dll.</summary>
    private static async Task<string> BuildAsync(string root, string project, CancellationToken cancellationToken)
    {
        Console.WriteLine($"building bench/{project} in Release...");
        string dir = Path.Combine(root, "bench", project);
        await RunAsync("dotnet", ["build", "-c", "Release", dir, "-nologo", "-v", "quiet"], dir, cancellationToken);
        string dll = Path.Combine(dir, "bin", "Release", "net10.0", $"Notifications.Bench.{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The build of bench/{project} made no dll.", dll);
    }

    /// <summary>Installs the <c>ws</c> package from the lock file into bench/NodeWs (once: an existing install is reused); returns server.js.</summary>
    private static async Task<string> InstallNodeAsync(string root, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(root, "bench", "NodeWs");
        if (!File.Exists(Path.Combine(dir, "node_modules", "ws", "package.json")))
        {
            Console.WriteLine("installing the ws package into bench/NodeWs (npm ci)...");
            await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dir, cancellationToken);
        }
        await RunAsync("node", ["--version"], dir, cancellationToken);
        return Path.Combine(dir, "server.js");
    }

    private static async Task RunAsync(string program, string[] args, string dir, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed in {dir}:\n{await stdout}{await errors}");
    }
}
