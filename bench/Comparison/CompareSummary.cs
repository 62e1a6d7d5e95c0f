using System.Text;
using Notifications.Bench.Infra;
using Notifications.Bench.Report;

namespace Notifications.Bench.Comparison;

/// <summary>
/// The rounds of <c>compare</c> summed up per figure: each server's median and range, and its ratio to
/// the floor and to the reference as the median of the per-round ratios (both measured minutes apart
/// in the same round), so the ratios hold on any host. Ours is judged against issue 23's targets. A ratio to the
/// floor over six rounds or more also gets the 95 % interval of its median (from the order statistics, no
/// assumption about the spread): rounds on a shared host vary so much that one run's median alone misleads.
/// </summary>
internal sealed class CompareSummary(ComparePlan plan, IReadOnlyList<string> servers,
    IReadOnlyDictionary<string, List<Dictionary<string, double>?>> results, string ours, bool smoke)
{
    public IEnumerable<Row> Rows()
    {
        foreach (var figure in plan.Figures)
        {
            var cells = servers.Select(s => $"{s} {Cell(s, figure.Key)}");
            bool? met = Met(figure);
            yield return new Row("compare", figure.Name, string.Join("; ", cells) + (figure.Unit.Length > 0 ? $" ({figure.Unit})" : ""))
            {
                Target = figure.Target is { } t ? $"{ours}: {t}" : null,
                Met = met,
                Data = servers.ToDictionary(s => s, s => (object?)new
                {
                    each = Values(s, figure.Key),
                    median = Median(Values(s, figure.Key)),
                    toFloor = Ratio(s, ServerKind.Floor, figure.Key),
                    toFloorInterval = Interval(Ratios(s, ServerKind.Floor, figure.Key)),
                    toReference = Ratio(s, ServerKind.Reference, figure.Key),
                }),
            };
        }
    }

    /// <summary>Figures down, servers across: what the lead pastes into docs/benchmarks.md.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine($"| figure | {string.Join(" | ", servers)} |");
        text.AppendLine($"| --- |{string.Concat(Enumerable.Repeat(" --- |", servers.Count))}");
        foreach (var figure in plan.Figures)
            text.AppendLine($"| {figure.Name}{(figure.Unit.Length > 0 ? $" ({figure.Unit})" : "")} | {string.Join(" | ", servers.Select(s => Cell(s, figure.Key)))} |");
        text.Append("Each cell: median [min–max] over the rounds; ×F and ×R are the medians of the per-round ratios to the floor and the reference; (95 % a–b) the interval of ×F's median, from six rounds up.");
        return text.ToString();
    }

    private string Cell(string server, string key)
    {
        var values = Values(server, key);
        if (values.Count == 0)
            return "—";
        string cell = Format(Median(values));
        if (values.Count > 1)
            cell += $" [{Format(values.Min())}–{Format(values.Max())}]";
        if (key == "failures")
            return cell; // a count, where a ratio says nothing
        if (server != ServerKind.Floor && Ratio(server, ServerKind.Floor, key) is { } f)
        {
            cell += $" {f:0.00}×F";
            if (Interval(Ratios(server, ServerKind.Floor, key)) is { } interval)
                cell += $" (95 % {interval.Low:0.00}–{interval.High:0.00})";
        }
        if (server != ServerKind.Reference && Ratio(server, ServerKind.Reference, key) is { } r)
            cell += $" {r:0.00}×R";
        return cell;
    }

    private bool? Met(Figure figure)
    {
        var values = Values(ours, figure.Key);
        if (values.Count == 0 || figure.Target is null || smoke)
            return null; // the targets are for the full sizes; a smoke run proves the tool only
        double median = Median(values);
        bool met = true;
        if (figure.MaxAbsolute is { } abs)
            met &= median <= abs;
        var toFloor = Ratio(ours, ServerKind.Floor, figure.Key);
        if (figure.MaxToFloor is { } max)
            met &= toFloor is { } r && r <= max;
        if (figure.MinToFloor is { } min)
            met &= toFloor is { } r && r >= min;
        if (figure.BeatNode && Ratio(ours, ServerKind.Node, figure.Key) is { } n)
            met &= figure.LowerIsBetter ? n < 1 : n > 1;
        return met;
    }

    private List<double> Values(string server, string key) =>
        results.TryGetValue(server, out var rounds) ? rounds.Select(r => r?.GetValueOrDefault(key, double.NaN) ?? double.NaN).Where(v => !double.IsNaN(v)).ToList() : [];

    /// <summary>The median over rounds of this server's figure divided by <paramref name="baseline"/>'s in the same round.</summary>
    private double? Ratio(string server, string baseline, string key)
    {
        var ratios = Ratios(server, baseline, key);
        return ratios.Count == 0 ? null : Median(ratios);
    }

    /// <summary>Per round, this server's figure divided by <paramref name="baseline"/>'s; empty when either is missing.</summary>
    private List<double> Ratios(string server, string baseline, string key) =>
        server == baseline || !results.TryGetValue(server, out var mine) || !results.TryGetValue(baseline, out var theirs) ? []
        : mine.Zip(theirs, (a, b) => (a?.GetValueOrDefault(key, double.NaN) ?? double.NaN) / (b?.GetValueOrDefault(key, double.NaN) ?? double.NaN))
            .Where(r => double.IsFinite(r)).ToList();

    /// <summary>
    /// The 95 % interval of the median of <paramref name="values"/>: the k-th smallest and k-th largest, k the most
    /// for which a fair coin's count of heads in n throws falls below k with at most 2.5 % chance. Null under six values.
    /// </summary>
    internal static (double Low, double High)? Interval(List<double> values)
    {
        int n = values.Count;
        if (n < 6)
            return null;
        var sorted = values.Order().ToList();
        // P(Binomial(n, 1/2) < k), summed term by term; k = 1 always qualifies from six throws (2^-6 < 2.5 %).
        double below = 0, term = Math.Pow(0.5, n);
        int k = 0;
        for (int heads = 0; heads < n / 2; heads++)
        {
            below += term;
            if (below > 0.025)
                break;
            k = heads + 1;
            term = term * (n - heads) / (heads + 1);
        }
        return (sorted[k - 1], sorted[n - k]);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Format(double v) => Math.Abs(v) >= 100 ? v.ToString("N0") : v.ToString("0.0#");
}
