using Notifications.Bench.Comparison;
using Notifications.Bench.Infra;
using Notifications.Bench.Report;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// Ours beside the yardsticks (the floor, the idiomatic ASP.NET reference, Node's <c>ws</c>) with one
/// generator in one run: every server goes through the same round (<see cref="ServerRound"/>), the
/// servers interleaved, their order rotated each round, so a slow minute on a shared machine falls on
/// all of them. Every figure is reported as an absolute and as a ratio to the floor's and the
/// reference's in the same round, which holds on any host.
/// </summary>
internal static class Compare
{
    public static async Task RunAsync(BenchContext context)
    {
        var plan = context.Smoke ? ComparePlan.Smoke : ComparePlan.Full;
        var kinds = new List<ServerKind>();
        foreach (string name in context.Options.Servers.Distinct())
        {
            // "ours" is the build the run was given (--server PATH.dll for an A/B), unless that is a yardstick.
            bool given = name == ServerKind.Ours && context.Server.TakesOurSettings;
            kinds.Add(given ? context.Server : await context.KindAsync(name));
        }
        string ours = kinds.FirstOrDefault(k => k.TakesOurSettings)?.Name ?? ServerKind.Ours;
        int rounds = context.Options.Rounds ?? (context.Smoke ? 1 : 3);
        var results = kinds.ToDictionary(k => k.Name, _ => new List<Dictionary<string, double>?>());
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < kinds.Count; i++)
            {
                var kind = kinds[(i + round - 1) % kinds.Count];
                Dictionary<string, double> figures;
                try
                {
                    figures = await ServerRound.RunAsync(context, kind, round, plan);
                }
                catch (Exception e) when (!context.Stopping.IsCancellationRequested)
                {
                    // One server failing its round leaves the others' figures standing.
                    context.Add(new Row("compare", $"round {round}: {kind.Name}", $"{e.GetType().Name}: {e.Message}") { Failed = true });
                    results[kind.Name].Add(null); // keeps each server's list indexed by round, for the per-round ratios
                    continue;
                }
                results[kind.Name].Add(figures);
                context.Add(new Row("compare", $"round {round}: {kind.Name}", RoundText(plan, figures))
                {
                    Failed = context.Smoke && figures["failures"] > 0,
                    Data = new() { ["server"] = kind.ToString(), ["round"] = round, ["figures"] = figures },
                });
            }
        }
        var summary = new CompareSummary(plan, kinds.Select(k => k.Name).ToList(), results, ours, context.Smoke);
        foreach (var row in summary.Rows())
            context.Add(row);
        Console.WriteLine($"\n{summary.Table()}");
    }

    /// <summary>What a round measured: the connection figures, the fan-out's, or both (<c>--no-fanout</c>, <c>--fanout-only</c>).</summary>
    private static string RoundText(ComparePlan plan, Dictionary<string, double> f)
    {
        var parts = new List<string> { $"RSS empty {f["rss-empty"]:0.0} MiB" };
        if (f.ContainsKey("p99-low"))
        {
            parts.Add($"p99 {f["p99-low"]:0} ms at {plan.LowRate:N0}/s, {f["p99-mid"]:0} ms at {plan.MidRate:N0}/s " +
                $"({f["cpu-per-connect"]:0} µs CPU per connection, {f["cpu-mid"]:0} % CPU); {f["achieved-high"]:N0}/s achieved at {plan.HighRate:N0}/s");
            parts.Add($"storm {f["storm"]:0.00} s");
            parts.Add($"{Get(f, "alloc-per-connect"):N0} B allocated per connection{GcText(f, "mid")}");
        }
        if (f.ContainsKey("fanout-p99"))
            parts.Add($"fan-out p99 {Get(f, "fanout-first-p99"):0.0} ms in its first step{GcText(f, "fanout-first")}, {Get(f, "fanout-p99"):0.0} ms steady at {Get(f, "fanout-rate"):N0}/s{GcText(f, "fanout")}");
        parts.Add($"{f["failures"]:0} failed or lost");
        return string.Join("; ", parts);
    }

    /// <summary>The server's collections over a step, where its runtime answered.</summary>
    private static string GcText(Dictionary<string, double> f, string step) => f.ContainsKey($"{step}-gc-gen0")
        ? $" (GCs {f[$"{step}-gc-gen0"]:0}/{f[$"{step}-gc-gen1"]:0}/{f[$"{step}-gc-gen2"]:0}, pauses {f[$"{step}-gc-pause-ms"]:0} ms, longest {f[$"{step}-gc-max-pause-ms"]:0.0}{(f.TryGetValue($"{step}-bench-gc-pause-ms", out double bench) ? $"; the bench's {bench:0} ms" : "")})"
        : "";

    private static double Get(Dictionary<string, double> f, string key) => f.GetValueOrDefault(key, double.NaN);
}
