using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

[assembly: AssemblyFixture(typeof(Notifications.Tests.Infrastructure.PubSubEmulator))]

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// One real Pub/Sub emulator for the whole test run: <c>PUBSUB_EMULATOR_HOST</c> when set, else
/// the gcloud SDK's installed emulator on a free port, else the emulator image through
/// Testcontainers where a Docker engine answers. With none of them the run fails and says how to get one.
/// It starts when a test first asks for its address, so a run of tests that need none (the unit and
/// protocol tests alone) never waits for it.
/// </summary>
public sealed class PubSubEmulator : IAsyncLifetime
{
    private const string Image = "gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators";
    private readonly Lazy<Task> _started;
    private Process? _process;
    private IContainer? _container;
    private string _hostPort = "";

    public PubSubEmulator() => _started = new(() => Task.Run(StartAsync));

    /// <summary>The emulator's host:port, as PUBSUB_EMULATOR_HOST would hold it; the first call waits until it listens.</summary>
    public string HostPort
    {
        get
        {
            _started.Value.GetAwaiter().GetResult();
            return _hostPort;
        }
    }

    public string Source { get; private set; } = "";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private async Task StartAsync()
    {
        if (Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST") is { Length: > 0 } configured)
        {
            (_hostPort, Source) = (configured, "PUBSUB_EMULATOR_HOST");
        }
        else if (FindInstalledLauncher() is { } launcher)
        {
            await StartInstalledAsync(launcher);
        }
        else
        {
            await StartContainerAsync();
        }
        await WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
    }

    private async Task StartInstalledAsync(string launcher)
    {
        _process = StartProcess(launcher, FreePort());
        (_hostPort, Source) = ($"127.0.0.1:{_process.StartInfo.ArgumentList[1]["--port=".Length..]}", launcher);
        await Task.CompletedTask;
    }

    /// <summary>Starts the installed emulator on a given port; for tests that kill and restart their own.</summary>
    public static Process StartOwn(int port) =>
        StartProcess(FindInstalledLauncher() ?? throw new InvalidOperationException(
            "This test needs gcloud's installed Pub/Sub emulator (gcloud components install pubsub-emulator)."), port);

    private static Process StartProcess(string launcher, int port)
    {
        var process = Process.Start(new ProcessStartInfo(launcher, ["--host=127.0.0.1", $"--port={port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {launcher}.");
        // Drain its output so a chatty emulator never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task WaitListeningAsync(int port, TimeSpan timeout, Process? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process is { HasExited: true })
                throw new InvalidOperationException($"The emulator exited with code {process.ExitCode} before listening.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task StartContainerAsync()
    {
        try
        {
            _container = new ContainerBuilder(Image)
                .WithCommand("gcloud", "beta", "emulators", "pubsub", "start", "--host-port=0.0.0.0:8085")
                .WithPortBinding(8085, assignRandomHostPort: true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Server started"))
                .Build();
            await _container.StartAsync();
            (_hostPort, Source) = ($"127.0.0.1:{_container.GetMappedPublicPort(8085)}", $"Docker image {Image}");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "No Pub/Sub emulator for the integration tests. Do one of: set PUBSUB_EMULATOR_HOST=host:port to a running emulator; " +
                "or install it with `gcloud components install pubsub-emulator` (or Debian's google-cloud-cli-pubsub-emulator package); " +
                "or run a Docker engine so the emulator image can be started.", e);
        }
    }

    /// <summary>The emulator launcher under the gcloud SDK root, from the usual places or from <c>gcloud info</c>.</summary>
    private static string? FindInstalledLauncher()
    {
        string[] roots =
        [
            Environment.GetEnvironmentVariable("CLOUDSDK_ROOT_DIR") ?? "",
            "/usr/lib/google-cloud-sdk",
            "/usr/share/google-cloud-sdk",
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "google-cloud-sdk"),
            SdkRootFromGcloud() ?? "",
        ];
        return roots.Where(r => r.Length > 0)
            .Select(r => Path.Combine(r, "platform", "pubsub-emulator", "bin", "cloud-pubsub-emulator"))
            .FirstOrDefault(File.Exists);
    }

    private static string? SdkRootFromGcloud()
    {
        try
        {
            using var gcloud = Process.Start(new ProcessStartInfo("gcloud", ["info", "--format=value(installation.sdk_root)"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (gcloud is null)
                return null;
            string root = gcloud.StandardOutput.ReadToEnd().Trim();
            gcloud.WaitForExit(15_000);
            return root.Length > 0 ? root : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no gcloud on PATH
        }
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var (host, port) = (_hostPort[.._hostPort.LastIndexOf(':')], int.Parse(_hostPort[(_hostPort.LastIndexOf(':') + 1)..]));
        if (host is "127.0.0.1" or "localhost")
        {
            await WaitListeningAsync(port, timeout, _process);
            return;
        }
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_started.IsValueCreated)
            return;
        try
        {
            await _started.Value;
        }
        catch (Exception)
        {
            // It never started; whatever it left is cleaned up below.
        }
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (_container is not null)
            await _container.DisposeAsync();
    }
}
