using Notifications.Bench.Infra;
using Notifications.Bench.Report;

namespace Notifications.Bench;

/// <summary>What every scenario shares: the options, the server build, where logs go, the results, the emulator.</summary>
internal sealed class BenchContext(BenchOptions options, string serverDll, string logDir) : IAsyncDisposable
{
    private Emulator? _emulator;

    public BenchOptions Options => options;
    public bool Smoke => options.Smoke;
    public string ServerDll => serverDll;
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
