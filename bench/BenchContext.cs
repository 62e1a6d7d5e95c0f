using Notifications.Bench.Infra;
using Notifications.Bench.Report;

namespace Notifications.Bench;

/// <summary>What every scenario shares: the options, the server builds, where logs go, the results, the emulator.</summary>
internal sealed class BenchContext(BenchOptions options, ServerKind server, string root, string logDir) : IAsyncDisposable
{
    private readonly Dictionary<string, ServerKind> _kinds = new() { [server.Name] = server };
    private Emulator? _emulator;

    public BenchOptions Options => options;
    public bool Smoke => options.Smoke;
    /// <summary>The server the scenarios run against (<c>--server</c>; ours by default).</summary>
    public ServerKind Server => server;
    public string Root => root;
    public string LogDir => logDir;
    public IReadOnlyDictionary<string, string> ServerEnv => options.ServerEnv;
    public CancellationToken Stopping => Reaper.Stopping;
    public List<Row> Rows { get; } = [];

    /// <summary>Tags every alert text of this run, so frames of another run or step are never counted.</summary>
    public string RunTag { get; } = Random.Shared.Next(0x1000, 0xFFFF).ToString("x");

    public TimeSpan Step => TimeSpan.FromSeconds(options.StepSeconds);

    /// <summary>The run's one emulator, started the first time a scenario needs it.</summary>
    public async Task<Emulator> EmulatorAsync()
    {
        if (_emulator is null)
        {
            _emulator = await Emulator.StartAsync(logDir, Stopping);
            Console.WriteLine($"  emulator ready on {_emulator.Host} in {_emulator.Startup.TotalSeconds:0.0} s");
        }
        return _emulator;
    }

    /// <summary>A server by name (<see cref="ServerKind.Known"/>), built or installed the first time it is asked for.</summary>
    public async Task<ServerKind> KindAsync(string name)
    {
        if (!_kinds.TryGetValue(name, out var kind))
            _kinds[name] = kind = await ServerBuilds.PrepareAsync(name, root, Stopping);
        return kind;
    }

    public void Add(Row row)
    {
        Rows.Add(row);
        Console.WriteLine($"  {row.Case,-28} {row.Figures}{(row.Failed ? "   FAILED" : "")}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
            await _emulator.DisposeAsync();
    }
}
