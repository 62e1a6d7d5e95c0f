using System.Globalization;
using System.Text.RegularExpressions;

namespace Notifications.Tests.Infrastructure;

/// <summary>Reads Prometheus text exposition, as a scraper would.</summary>
public static partial class Exposition
{
    /// <summary>
    /// The sum of the samples of <paramref name="metric"/> whose labels include every pair in
    /// <paramref name="labels"/>; -1 if there is none.
    /// </summary>
    public static double Sum(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var samples = exposition.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(match => match.Success && match.Groups["name"].Value == metric)
            .Where(match => labels.All(label => match.Groups["labels"].Value.Contains($"{label.Name}=\"{label.Value}\"")))
            .Select(match => double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture))
            .ToList();
        return samples.Count == 0 ? -1 : samples.Sum();
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)""")]
    private static partial Regex Sample();
}
