using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Notifications.Bench.Infra;

/// <summary>One real server process (ours, <c>dotnet Notifications.dll</c>, or a yardstick) on 127.0.0.1, its CPU and memory read from /proc.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    /// <summary>The bench's own socket tuning (Program.cs). A server started by the bench must run as it ships, so it never inherits it.</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static readonly string[] Inherited = ["PORT", "ASPNETCORE_URLS", "FLY_ALLOC_ID", "FLY_REGION", "PUBSUB_EMULATOR_HOST",
        "PUBSUB_PROJECT_ID", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CREDENTIALS_JSON", "GOOGLE_APPLICATION_CREDENTIALS", "PUBSUB_TOPIC",
        InlineCompletions];

    /// <summary>
    /// Admission limits lifted for a load test: a few sender sockets stand in for many users (the per-socket
    /// alert rate is 2/s, burst 10 by default), 16 source addresses stand in for many clients (100 sockets per
    /// address by default), and idle-memory needs 18k sockets (10k per instance by default). Every other
    /// setting keeps its default unless --server-env says otherwise.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BenchDefaults = new Dictionary<string, string>
    {
        ["ALERT_RATE_PER_SECOND"] = "1000000",
        ["ALERT_BURST"] = "1000000",
        ["MAX_CONNECTIONS_PER_IP"] = "1000000",
        ["MAX_CONNECTIONS"] = "1000000",
    };

    private readonly Process _process;

    private ServerProcess(Process process, ServerKind kind, int port, string name, long startedTicks, string logPath)
    {
        _process = process;
        Kind = kind;
        Port = port;
        Name = name;
        StartedTicks = startedTicks;
        LogPath = logPath;
    }

    public int Pid => _process.Id;
    public ServerKind Kind { get; }
    public int Port { get; }
    public string Name { get; }
    public long StartedTicks { get; }
    public string LogPath { get; }
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Starts an instance of the run's server; <paramref name="env"/> holds its settings. None of the bench's own Pub/Sub, Fly or socket variables leak in.</summary>
    public static ServerProcess Start(BenchContext context, string name, IReadOnlyDictionary<string, string> env) =>
        Start(context, context.Server, name, env);

    /// <summary>
    /// Starts an instance of <paramref name="kind"/>. Ours gets its own metrics port, so instances side by side
    /// (and other runs on the machine) never contend for the default one; the yardsticks get the address alone.
    /// </summary>
    public static ServerProcess Start(BenchContext context, ServerKind kind, string name, IReadOnlyDictionary<string, string> env)
    {
        int port = Ports.Free();
        var all = new Dictionary<string, string?>();
        foreach (string key in Inherited)
            all[key] = null;
        all["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        if (kind.TakesOurSettings)
        {
            all["FLY_ALLOC_ID"] = $"bench-{name}-{port}";
            all["METRICS_PORT"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (key, value) in BenchDefaults)
                all[key] = value;
            foreach (var (key, value) in context.ServerEnv)
                all[key] = value;
            foreach (var (key, value) in env)
                all[key] = value;
        }
        string log = Path.Combine(context.LogDir, $"{name}-{port}.log");
        long started = Stopwatch.GetTimestamp();
        var process = Reaper.StartGroup(kind.Program, kind.Args, log, all);
        return new ServerProcess(process, kind, port, name, started, log);
    }

    /// <summary>Polls /healthz?strict every 5 ms until it answers 200 (Pub/Sub working both ways); returns the time from process start.</summary>
    public async Task<TimeSpan> WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new InvalidOperationException($"Server {Name} exited with {_process.ExitCode} before it was healthy; see {LogPath}.");
            try
            {
                using var response = await Http.GetAsync($"http://127.0.0.1:{Port}/healthz?strict", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return Stopwatch.GetElapsedTime(StartedTicks);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet, or too busy to answer within the client's timeout: ask again.
            }
            await Task.Delay(5, cancellationToken);
        }
        throw new TimeoutException($"Server {Name} was not healthy within {timeout.TotalSeconds} s; see {LogPath}.");
    }

    /// <summary>The socket count the server itself reports on /healthz.</summary>
    public async Task<int> ConnectionsAsync(CancellationToken cancellationToken)
    {
        string json = await Http.GetStringAsync($"http://127.0.0.1:{Port}/healthz", cancellationToken);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("connections", out var c) ? c.GetInt32() : -1;
    }

    /// <summary>Waits until the server reports at most <paramref name="count"/> sockets (closes are asynchronous on its side).</summary>
    public async Task WaitConnectionsAtMostAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                if (await ConnectionsAsync(cancellationToken) <= count)
                    return;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Busy closing thousands of sockets (a single-threaded server above all): ask again.
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    public double CpuSeconds => ProcStat.CpuSeconds(Pid);
    public long RssBytes => ProcStat.RssBytes(Pid);

    /// <summary>Graceful stop as Fly does it (SIGTERM); returns the time until the process exited.</summary>
    public async Task<TimeSpan> StopAsync(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        Reaper.Signal(Pid, Reaper.SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Server {Name} did not exit within {timeout.TotalSeconds} s of SIGTERM; see {LogPath}.");
        }
        return Stopwatch.GetElapsedTime(start);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Reaper.SignalGroup(Pid, Reaper.SigKill);
            await _process.WaitForExitAsync();
        }
        Reaper.Forget(Pid);
        _process.Dispose();
    }
}
