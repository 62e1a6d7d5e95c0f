using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Deploy;

/// <summary>
/// The server as the image ships it: the Dockerfile's build stage replayed once per test run (a Native AOT
/// publish, a few minutes) and shared by <see cref="DockerfileTests"/> and every test that runs the server as
/// its own process (<see cref="ServerProcess"/>), so those tests hold the binary Fly runs, not a JIT build.
/// A class fixture: the build's wait falls outside each test's timeout.
/// </summary>
public sealed class ImageServer : IAsyncLifetime
{
    private static readonly Lazy<Task<Published>> Build = new(ReplayAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The published folder and the ENTRYPOINT that starts it; the fixture must have been initialised.</summary>
    public static Published Current =>
        Build.IsValueCreated && Build.Value.IsCompletedSuccessfully
            ? Build.Value.Result
            : throw new InvalidOperationException($"The image's server is not built: give the test class IClassFixture<{nameof(ImageServer)}>.");

    public async ValueTask InitializeAsync() => await Build.Value;

    public ValueTask DisposeAsync() => default;

    private static async Task<Published> ReplayAsync()
    {
        string root = ServerProcess.RepositoryRoot();
        var image = Dockerfile.Parse(File.ReadAllText(Path.Combine(root, "Dockerfile")));
        var fileSystem = Directory.CreateTempSubdirectory("notifications-image-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(fileSystem);
        var log = new BuildLog();
        var build = new ImageBuild(root, fileSystem.FullName, log);
        var (from, source, _) = image.PublishCopy();
        try
        {
            // Minutes on an idle 2-core machine; a parallel test run can triple that.
            await build.ReplayAsync(image.Single(s => s.Name == from), TimeSpan.FromMinutes(12));
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"Replaying the Dockerfile's build stage failed: {e.Message}\n{log.Tail(60)}", e);
        }
        return new Published(build.Map(source), image[^1].EntryPoint());
    }

    private static void Delete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A replay's output, kept to explain a failed build (no test owns the fixture's output).</summary>
    private sealed class BuildLog : ITestOutputHelper
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public string Output => string.Join('\n', _lines);
        public void Write(string message) => _lines.Enqueue(message);
        public void Write(string format, params object[] args) => _lines.Enqueue(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
        public void WriteLine(string message) => _lines.Enqueue(message);
        public void WriteLine(string format, params object[] args) => Write(format, args);
        public string Tail(int count) => string.Join('\n', _lines.TakeLast(count));
    }
}

/// <summary>A published app: its folder on this machine, and the ENTRYPOINT (relative to that folder) that runs it.</summary>
public sealed record Published(string Directory, string[] EntryPoint)
{
    /// <summary>The executable ENTRYPOINT names, on this machine.</summary>
    public string Executable => Path.GetFullPath(Path.Combine(Directory, EntryPoint[0]));
}
