using System.Diagnostics;

namespace Notifications.Tests.Deploy;

/// <summary>
/// A build stage replayed without Docker: its WORKDIR, ENV, COPY and RUN instructions in order, in a
/// temp folder that stands for the container's file system. COPY takes only what the Dockerfile names,
/// less the folders .dockerignore leaves out, so a file the build needs but never copies fails here too;
/// and the build never touches the repository's own bin/ and obj/.
/// </summary>
public sealed class ImageBuild(string context, string fileSystem, ITestOutputHelper output)
{
    private readonly Dictionary<string, string> _environment = [];
    private string _workdir = "/";

    /// <summary>Where a path inside the container lives on this machine.</summary>
    public string Map(string containerPath) => Path.Combine(fileSystem, containerPath.TrimStart('/'));

    public async Task ReplayAsync(Stage stage, TimeSpan commandTimeout)
    {
        foreach (var instruction in stage.Instructions)
        {
            string[] words = Dockerfile.Words(instruction.Arguments);
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    _workdir = Path.Combine(_workdir, instruction.Arguments);
                    Directory.CreateDirectory(Map(_workdir));
                    break;
                case "ENV":
                    foreach (var (key, value) in Dockerfile.Variables(instruction.Arguments))
                        _environment[key] = value;
                    break;
                case "COPY":
                    Assert.True(words.All(w => !w.StartsWith("--", StringComparison.Ordinal)), $"COPY {instruction.Arguments}: flags are not replayed.");
                    foreach (string source in words[..^1])
                        Copy(Path.Combine(context, source), Path.Combine(_workdir, words[^1]));
                    break;
                case "RUN":
                    await RunAsync(words, commandTimeout);
                    break;
                default:
                    Assert.Fail($"{instruction.Keyword} in the build stage is not replayed by {nameof(ImageBuild)}; teach it.");
                    break;
            }
        }
    }

    private void Copy(string source, string destination)
    {
        Assert.True(Path.Exists(source), $"COPY source {Path.GetRelativePath(context, source)} is not in the build context.");
        if (File.Exists(source))
        {
            bool intoFolder = destination.EndsWith('/') || Directory.Exists(Map(destination));
            string target = intoFolder ? Path.Combine(Map(destination), Path.GetFileName(source)) : Map(destination);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
            return;
        }
        var ignored = IgnoredFolders();
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[..^1].Any(ignored.Contains))
                continue;
            string target = Path.Combine(Map(destination), relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>The folder names .dockerignore leaves out at any depth (its <c>**/name/</c> lines).</summary>
    private HashSet<string> IgnoredFolders() =>
        File.ReadAllLines(Path.Combine(context, ".dockerignore"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("**/", StringComparison.Ordinal) && line.EndsWith('/'))
            .Select(line => line[3..^1])
            .ToHashSet();

    /// <summary>Runs a plain <c>dotnet</c> command; absolute paths in it are container paths, mapped under the temp folder.</summary>
    private async Task RunAsync(string[] command, TimeSpan timeout)
    {
        string text = string.Join(' ', command);
        Assert.True(command[0] == "dotnet", $"RUN {text}: only dotnet commands can be replayed outside Docker.");
        Assert.True(text.IndexOfAny(['&', '|', ';', '$', '"', '\'', '`', '*']) < 0, $"RUN {text}: shell syntax cannot be replayed outside Docker.");
        output.WriteLine($"$ {text}");
        var start = new ProcessStartInfo("dotnet", command[1..].Select(w => w.StartsWith('/') ? Map(w) : w))
        {
            WorkingDirectory = Map(_workdir),
        };
        foreach (var (key, value) in _environment)
            start.Environment[key] = value;
        using var process = PublishedApp.Launch(start, output, _ => { });
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        Assert.True(process.ExitCode == 0, $"RUN {text} exited with {process.ExitCode}.");
    }
}
