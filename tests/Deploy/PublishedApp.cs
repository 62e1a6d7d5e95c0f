using System.Collections.Concurrent;
using System.Diagnostics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Deploy;

/// <summary>The published app started as the image's ENTRYPOINT starts it, as a plain process on this machine.</summary>
public sealed class PublishedApp : IAsyncDisposable
{
    /// <summary>Settings that would select a Pub/Sub mode; cleared so the app runs standalone.</summary>
    private static readonly string[] PubSubSettings =
        ["PUBSUB_EMULATOR_HOST", "PUBSUB_PROJECT_ID", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CREDENTIALS_JSON", "GOOGLE_APPLICATION_CREDENTIALS"];

    private readonly Process _process;

    private PublishedApp(Process process, Uri baseUri, ConcurrentQueue<string> standardOutput)
    {
        _process = process;
        BaseUri = baseUri;
        StandardOutput = standardOutput;
    }

    public Uri BaseUri { get; }
    public int ExitCode => _process.ExitCode;
    public ConcurrentQueue<string> StandardOutput { get; }

    /// <summary>
    /// Starts <paramref name="entryPoint"/> in <paramref name="directory"/> as the image would: the base
    /// image's and the Dockerfile's environment, no Pub/Sub settings, and one listen address on loopback.
    /// </summary>
    public static PublishedApp Start(string[] entryPoint, string directory, IReadOnlyDictionary<string, string> environment, ITestOutputHelper output)
    {
        // A relative ENTRYPOINT ("./Notifications") is relative to WORKDIR, where the app was copied.
        string program = entryPoint[0].Contains('/') ? Path.GetFullPath(entryPoint[0], directory) : entryPoint[0];
        var start = new ProcessStartInfo(program, entryPoint[1..]) { WorkingDirectory = directory };
        foreach (string key in PubSubSettings)
            start.Environment.Remove(key);
        // What the aspnet base image sets (dotnet/dotnet-docker, runtime-deps), so the Dockerfile's ENV is tried against it.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = "8080";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        // PORT binds every address; tests listen on loopback only. ASPNETCORE_URLS wins over PORT (see the README).
        var baseUri = new Uri($"http://127.0.0.1:{PubSubEmulator.FreePort()}");
        start.Environment["ASPNETCORE_URLS"] = baseUri.ToString();
        // Likewise the metrics endpoint, which defaults to every address on 9091.
        start.Environment["METRICS_HOST"] = "127.0.0.1";
        start.Environment["METRICS_PORT"] = PubSubEmulator.FreePort().ToString();
        var lines = new ConcurrentQueue<string>();
        return new PublishedApp(Launch(start, output, lines.Enqueue), baseUri, lines);
    }

    public Task WaitHealthyAsync() => ChildProcess.WaitHealthyAsync(_process, BaseUri, "The published app");

    public int ProcessId => _process.Id;

    /// <summary>Sends SIGTERM, as `docker stop` does (Fly sends fly.toml's kill_signal), and waits for the process to end.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-s", "TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);
    }

    /// <summary>Starts a process with its output in the test output, and its standard output lines also to <paramref name="onStandardOutput"/>.</summary>
    internal static Process Launch(ProcessStartInfo start, ITestOutputHelper output, Action<string> onStandardOutput)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            onStandardOutput(e.Data);
            ChildProcess.Echo(output, e.Data);
        };
        process.ErrorDataReceived += (_, e) => ChildProcess.Echo(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public ValueTask DisposeAsync() => ChildProcess.KillAsync(_process);
}
