using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Notifications.Bench.Infra;

/// <summary>The Pub/Sub emulator (a JVM), started once per run on 127.0.0.1 and killed with its process group at the end.</summary>
internal sealed class Emulator : IAsyncDisposable
{
    public const string Launcher = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";
    /// <summary>The project every scenario's topics live in.</summary>
    public const string Project = "bench-local";
    private readonly Process _process;

    private Emulator(Process process, int port, TimeSpan startup)
    {
        _process = process;
        Port = port;
        Startup = startup;
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public TimeSpan Startup { get; }
    public int Pid => _process.Id;

    public static async Task<Emulator> StartAsync(string logDir, CancellationToken cancellationToken)
    {
        if (!File.Exists(Launcher))
            throw new InvalidOperationException($"No Pub/Sub emulator at {Launcher} (gcloud components install pubsub-emulator).");
        int port = Ports.Free();
        long start = Stopwatch.GetTimestamp();
        var process = Reaper.StartGroup(Launcher, [$"--host=127.0.0.1", $"--port={port}"],
            Path.Combine(logDir, $"emulator-{port}.log"), new Dictionary<string, string?>());
        var emulator = new Emulator(process, port, TimeSpan.Zero);
        var deadline = start + 60 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
                break;
            if (await AcceptsAsync(port, cancellationToken))
                return new Emulator(process, port, Stopwatch.GetElapsedTime(start));
            await Task.Delay(50, cancellationToken);
        }
        await emulator.DisposeAsync();
        throw new InvalidOperationException($"The Pub/Sub emulator did not listen on {port} within 60 s; see {logDir}.");
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public double CpuSeconds => ProcStat.CpuSeconds(Pid);

    /// <summary>What an instance of ours needs to be one of a fleet on this emulator: the topic, and the region it reports.</summary>
    public Dictionary<string, string> InstanceSettings(string topic, string region) => new()
    {
        ["PUBSUB_EMULATOR_HOST"] = Host,
        ["PUBSUB_PROJECT_ID"] = Project,
        ["PUBSUB_TOPIC"] = topic,
        ["FLY_REGION"] = region,
    };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Reaper.SignalGroup(Pid, Reaper.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Reaper.SignalGroup(Pid, Reaper.SigKill);
                await _process.WaitForExitAsync();
            }
        }
        Reaper.Forget(Pid);
        _process.Dispose();
    }
}
