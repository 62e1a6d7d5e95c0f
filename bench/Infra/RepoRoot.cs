namespace Notifications.Bench.Infra;

/// <summary>Finds the repository the bench runs in.</summary>
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
}
