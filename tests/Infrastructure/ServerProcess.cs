using System.Diagnostics;
using Notifications.Tests.Deploy;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// The server as the image ships it (the Native AOT executable <see cref="ImageServer"/> publishes) run as its
/// own process, for what only a real process shows: signals, exit codes, the Google Cloud path through the
/// trimmed build. A test class using it declares <c>IClassFixture&lt;ImageServer&gt;</c>.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }
    public Uri SocketUri => new Uri(BaseUri, "/ws").ToWebSocket();
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process wrote, kept for assertions.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    public static ServerProcess Start(IDictionary<string, string?> settings, ITestOutputHelper output, bool echo = true)
    {
        var baseUri = new Uri($"http://127.0.0.1:{PubSubEmulator.FreePort()}");
        var published = ImageServer.Current;
        var start = new ProcessStartInfo(published.Executable)
        {
            WorkingDirectory = published.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = baseUri.ToString();
        if (!settings.ContainsKey("METRICS_PORT"))
            start.Environment["METRICS_PORT"] = "0";
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, baseUri);
        void Keep(string? line)
        {
            if (line is null)
                return;
            server.Lines.Enqueue(line);
            if (echo)
                ChildProcess.Echo(output, line);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public Task WaitHealthyAsync() => ChildProcess.WaitHealthyAsync(_process, BaseUri, "The server process");

    /// <summary>Sends a POSIX signal, as Fly (SIGINT/SIGTERM) or Ctrl-C would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString()]);
        kill.WaitForExit();
    }

    public Task WaitForExitAsync(TimeSpan timeout) =>
        _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Notifications.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("No Notifications.sln above " + AppContext.BaseDirectory);
    }

    public ValueTask DisposeAsync() => ChildProcess.KillAsync(_process);
}
