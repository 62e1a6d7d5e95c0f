namespace Notifications.Demo;

/// <summary>
/// Where the sample job runner is: <c>DEMO_JOB_RUNNER</c> when set, else the build of <c>samples/JobRunner</c>
/// in the repository the server runs from (found by walking up from its own folder, preferring its own
/// build configuration), as <c>dotnet run --project server</c> and the tests have it.
/// </summary>
internal static class JobRunnerLocation
{
    public const string AssemblyName = "Notifications.JobRunner.dll";

    public static string? Find(string? configured, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        string? configuration = new DirectoryInfo(baseDirectory).Parent?.Name;
        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            var bin = new DirectoryInfo(Path.Combine(dir.FullName, "samples", "JobRunner", "bin"));
            if (!bin.Exists)
                continue;
            var builds = bin.EnumerateFiles(AssemblyName, SearchOption.AllDirectories)
                .OrderByDescending(f => f.Directory?.Parent?.Name == configuration)
                .ThenByDescending(f => f.LastWriteTimeUtc);
            if (builds.FirstOrDefault() is { } found)
                return found.FullName;
        }
        return null;
    }
}
