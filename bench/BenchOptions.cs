namespace Notifications.Bench;

/// <summary>The command line: <c>&lt;scenario|all&gt; [--smoke] [options]</c>.</summary>
internal sealed record BenchOptions(
    IReadOnlyList<string> Scenarios,
    bool Smoke,
    string? OutPath,
    string Server,
    IReadOnlyList<string> Servers,
    int? Rounds,
    IReadOnlyDictionary<string, string> ServerEnv,
    bool GcProbe,
    double StepSeconds,
    IReadOnlyList<int>? Sizes,
    IReadOnlyList<double>? Rates,
    int CoalesceMicroseconds,
    bool SkipFanout = false,
    bool FanoutOnly = false)
{
    public static readonly string[] All = ["startup", "idle-memory", "connect-rate", "local-fanout", "cross-instance", "slow-consumers", "stream-churn", "compare", "drain-storm", "channels", "publish-api", "pusher-fanout"];

    public const string Usage = """
        usage: dotnet run -c Release --project bench -- <scenario|all> [--smoke] [options]
          scenarios: startup, idle-memory, connect-rate, local-fanout, cross-instance, slow-consumers,
                     stream-churn, compare, drain-storm, channels, publish-api, pusher-fanout (comma-separated, or all)
          --smoke              tiny sizes, seconds per scenario: proves the tool and the server work (exit 1 on any loss)
          --out FILE           JSON results (default bench/results/<utc>-<scenarios>.json)
          --server NAME|PATH   the server the scenarios run against: ours (default: server/ published as the
                               image runs it), floor, reference, node, or another build of ours: a dll, or
                               an executable (a Native AOT publish)
          --server-dll PATH    the same as --server PATH
          --servers A,B        compare: the servers side by side (default ours,floor,reference,node); a dll
                               or an executable there is another build of ours, beside the one published
          --rounds R           compare: rounds, each server once per round in a rotating order (default 3; smoke 1)
          --no-fanout          compare: connection figures only, no fan-out step (a quicker A/B of connection setup)
          --fanout-only        compare: the fan-out steps only, on a fresh process (no connects or storm before them)
          --server-env K=V     extra setting for our server, repeatable (e.g. LOG_LEVEL=Warning, WS_SEND_QUEUE=64)
          --step-seconds S     how long each measured step sends (default 3; smoke 0.5)
          --sizes N,N          local-fanout, pusher-fanout: socket counts instead of 1000,10000;
                               cross-instance: sockets per instance (the first value) instead of 100;
                               stream-churn: sockets per instance instead of 50;
                               channels: signed-in sockets instead of 1000,10000 (the last also for memory);
                               publish-api: receiving sockets (the first value) instead of 100
          --rates D,D          local-fanout: deliveries/s to step through instead of 100k…2M;
                               channels: alerts/s to random users instead of 1000,2000,5000
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
        bool smoke = false, gc = true, skipFanout = false, fanoutOnly = false;
        string? outPath = null;
        string server = Infra.ServerKind.Ours;
        string[] servers = Infra.ServerKind.Known;
        int? rounds = null;
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
                case "--no-fanout": skipFanout = true; break;
                case "--fanout-only": fanoutOnly = true; break;
                case "--out": outPath = Next(); break;
                case "--server" or "--server-dll": server = Next(); break;
                case "--servers": servers = Next().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--rounds": rounds = int.Parse(Next()) is >= 1 and var r ? r : throw new ArgumentException("--rounds must be 1 or more."); break;
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
        if (skipFanout && fanoutOnly)
            throw new ArgumentException("--no-fanout and --fanout-only leave nothing to measure together.");
        if (!Infra.ServerKind.Known.Contains(server))
            server = File.Exists(server) ? Path.GetFullPath(server)
                : throw new ArgumentException($"--server takes {string.Join(", ", Infra.ServerKind.Known)}, a dll or an executable, not {server}.");
        if (servers.FirstOrDefault(s => !Infra.ServerKind.Known.Contains(s) && !File.Exists(s)) is { } unknown)
            throw new ArgumentException($"--servers takes {string.Join(", ", Infra.ServerKind.Known)}, dlls or executables, not {unknown}.");
        servers = servers.Select(s => Infra.ServerKind.Known.Contains(s) ? s : Path.GetFullPath(s)).ToArray();
        return new BenchOptions(scenarios, smoke, outPath, server, servers, rounds, env, gc, step ?? (smoke ? 0.5 : 3), sizes, rates, coalesce, skipFanout, fanoutOnly);
    }
}
