namespace Notifications.Bench;

/// <summary>The command line: <c>&lt;scenario|all&gt; [--smoke] [options]</c>.</summary>
internal sealed record BenchOptions(
    IReadOnlyList<string> Scenarios,
    bool Smoke,
    string? OutPath,
    string? ServerDll,
    IReadOnlyDictionary<string, string> ServerEnv,
    bool GcProbe,
    double StepSeconds,
    IReadOnlyList<int>? Sizes,
    IReadOnlyList<double>? Rates,
    int CoalesceMicroseconds)
{
    public static readonly string[] All = ["startup", "idle-memory", "connect-rate", "local-fanout", "cross-instance", "slow-consumers", "stream-churn"];

    public const string Usage = """
        usage: dotnet run -c Release --project bench -- <scenario|all> [--smoke] [options]
          scenarios: startup, idle-memory, connect-rate, local-fanout, cross-instance, slow-consumers, stream-churn (comma-separated, or all)
          --smoke              tiny sizes, seconds per scenario: proves the tool and the server work (exit 1 on any loss)
          --out FILE           JSON results (default bench/results/<utc>-<scenarios>.json)
          --server-dll PATH    run this build instead of publishing server/ (Release, ReadyToRun)
          --server-env K=V     extra server setting, repeatable (e.g. LOG_LEVEL=Warning, WS_SEND_QUEUE=64)
          --step-seconds S     how long each measured step sends (default 3; smoke 0.5)
          --sizes N,N          local-fanout: socket counts instead of 1000,10000;
                               cross-instance: sockets per instance (the first value) instead of 100;
                               stream-churn: sockets per instance instead of 50
          --rates D,D          local-fanout: deliveries/s to step through instead of 100k…2M
          --coalesce-us US     how long the clients' event loops rest after a wake-up, so sockets ready
                               meanwhile are read in one wake-up (default 500; 0: wake for each)
          --no-gc              skip the EventPipe GC probe (allocations, GC counts, heap after forced GC)
        """;

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            return null;
        var scenarios = args[0] == "all" ? All : args[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (scenarios.Any(s => !All.Contains(s)))
            return null;
        bool smoke = false, gc = true;
        string? outPath = null, dll = null;
        double? step = null;
        int coalesce = 500;
        int[]? sizes = null;
        double[]? rates = null;
        var env = new Dictionary<string, string>();
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--smoke": smoke = true; break;
                case "--no-gc": gc = false; break;
                case "--out": outPath = Next(); break;
                case "--server-dll": dll = Path.GetFullPath(Next()); break;
                case "--step-seconds": step = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--coalesce-us": coalesce = int.Parse(Next()) is >= 0 and var us ? us : throw new ArgumentException("--coalesce-us must be 0 or more."); break;
                case "--sizes": sizes = Next().Split(',').Select(int.Parse).ToArray(); break;
                case "--rates": rates = Next().Split(',').Select(r => double.Parse(r, System.Globalization.CultureInfo.InvariantCulture)).ToArray(); break;
                case "--server-env":
                    var kv = Next().Split('=', 2);
                    env[kv[0]] = kv.Length == 2 ? kv[1] : throw new ArgumentException("--server-env takes KEY=VALUE.");
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        return new BenchOptions(scenarios, smoke, outPath, dll, env, gc, step ?? (smoke ? 0.5 : 3), sizes, rates, coalesce);
    }
}
