using System.Diagnostics;
using Notifications.Bench;
using Notifications.Bench.Infra;
using Notifications.Bench.Report;
using Notifications.Bench.Scenarios;
using Notifications.Bench.Ws;

// The bench's .NET sockets (health checks, the bare subscriber's gRPC; the WebSocket clients have their own
// loop, bench/Ws/EpollLoop.cs) run their continuations on the epoll threads instead of queueing each to the
// thread pool. Read when the first socket is made, so it must be set before that. The servers the bench
// starts do not inherit it.
Environment.SetEnvironmentVariable(ServerProcess.InlineCompletions, "1");

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    options = null;
}
if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

EpollLoop.CoalesceMicroseconds = options.CoalesceMicroseconds;
Reaper.Install();
var started = DateTimeOffset.UtcNow;
long t0 = Stopwatch.GetTimestamp();
string command = "dotnet run -c Release --project bench -- " + string.Join(' ', args);
var machine = Machine.Describe();
string root = RepoRoot.Find();
string logDir = Directory.CreateTempSubdirectory("notifications-bench-").FullName;
Console.WriteLine($"{command}\n{machine}\nserver logs: {logDir}");

try
{
    // A compare of named builds alone runs no server of its own: ours is then not published (minutes of both cores).
    bool oursUnused = options.Server == ServerKind.Ours && options.Scenarios is ["compare"] && !options.Servers.Contains(ServerKind.Ours);
    var server = oursUnused
        ? new ServerKind(ServerKind.Ours, "(not published: the compare names its builds)", [], true)
        : await ServerBuilds.PrepareAsync(options.Server, root, Reaper.Stopping);
    await using var context = new BenchContext(options, server, root, logDir);
    foreach (string scenario in options.Scenarios)
    {
        Console.WriteLine($"\n== {scenario}{(options.Smoke ? " (smoke)" : "")}");
        try
        {
            await Scenario(scenario)(context);
        }
        catch (Exception e) when (!Reaper.Stopping.IsCancellationRequested)
        {
            context.Add(new Row(scenario, "error", $"{e.GetType().Name}: {e.Message}") { Failed = true });
        }
        if (Reaper.Stopping.IsCancellationRequested)
            break;
    }

    string table = ResultsReport.Table(context.Rows);
    Console.WriteLine($"\n{command}\n{machine}\n\n{table}");
    string outPath = options.OutPath ?? Path.Combine(root, "bench", "results",
        $"{started:yyyyMMdd-HHmmss}-{(options.Smoke ? "smoke-" : "")}{string.Join('+', options.Scenarios.Count == BenchOptions.All.Length ? ["all"] : options.Scenarios)}.json");
    ResultsReport.Write(outPath, command, machine, context, started, Stopwatch.GetElapsedTime(t0));
    int failed = context.Rows.Count(r => r.Failed);
    Console.WriteLine($"results: {outPath}");
    Console.WriteLine($"{context.Rows.Count - failed} passed, {failed} failed in {Stopwatch.GetElapsedTime(t0).TotalSeconds:0} s");
    return failed > 0 || Reaper.Stopping.IsCancellationRequested ? 1 : 0;
}
finally
{
    Reaper.KillAll();
}

static Func<BenchContext, Task> Scenario(string name) => name switch
{
    "startup" => Startup.RunAsync,
    "idle-memory" => IdleMemory.RunAsync,
    "connect-rate" => ConnectRate.RunAsync,
    "local-fanout" => LocalFanout.RunAsync,
    "pusher-fanout" => PusherFanout.RunAsync,
    "cross-instance" => CrossInstance.RunAsync,
    "channels" => ChannelFanout.RunAsync,
    "slow-consumers" => SlowConsumers.RunAsync,
    "stream-churn" => StreamChurn.RunAsync,
    "compare" => Compare.RunAsync,
    "drain-storm" => DrainStorm.RunAsync,
    "publish-api" => PublishApi.RunAsync,
    _ => throw new ArgumentException(name),
};
