using System.Text;
using Notifications.Bench.Infra;
using Notifications.Bench.Report;

namespace Notifications.Bench.Comparison;

/// <summary>
/// The rounds of <c>compare</c> summed up per figure: each server's median and range, and its ratio to
/// the floor and to the reference as the median of the per-round ratios (both measured minutes apart
/// in the same round), so the ratios hold on any host. Ours is judged against issue 23's targets.
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
        text.Append("Each cell: median [min–max] over the rounds; ×F and ×R are the medians of the per-round ratios to the floor and the reference.");
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
            cell += $" {f:0.00}×F";
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
        if (server == baseline || !results.TryGetValue(server, out var mine) || !results.TryGetValue(baseline, out var theirs))
            return null;
        var ratios = mine.Zip(theirs, (a, b) => (a?.GetValueOrDefault(key, double.NaN) ?? double.NaN) / (b?.GetValueOrDefault(key, double.NaN) ?? double.NaN))
            .Where(r => double.IsFinite(r)).ToList();
        return ratios.Count == 0 ? null : Median(ratios);
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
