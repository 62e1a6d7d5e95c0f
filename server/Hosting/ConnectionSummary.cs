using Notifications.Metrics;

namespace Notifications.Hosting;

/// <summary>What connections did between two readings of the counts, as the log's summary line says it.</summary>
/// <param name="RefusedByStatus">Refusals by HTTP status, largest first: <c>429: 12, 503: 3</c>; <c>none</c> when there were none.</param>
/// <param name="ClosedByReason">Closes by reason, largest first: <c>dropped: 4000, client_closed: 990</c>; <c>none</c> when there were none.</param>
internal sealed record ConnectionSummary(long Accepted, long Refused, string RefusedByStatus, long Closed, string ClosedByReason)
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/>; null if nothing happened.</summary>
    public static ConnectionSummary? Between(ConnectionActivity before, ConnectionActivity after)
    {
        var refused = Changes(before.RefusedByStatus, after.RefusedByStatus);
        var closed = Changes(before.ClosedByReason, after.ClosedByReason);
        long accepted = after.Accepted - before.Accepted;
        if (accepted == 0 && refused.Count == 0 && closed.Count == 0)
            return null;
        return new ConnectionSummary(accepted, refused.Sum(c => c.Count), Describe(refused), closed.Sum(c => c.Count), Describe(closed));
    }

    private static List<(T Key, long Count)> Changes<T>(IReadOnlyDictionary<T, long> before, IReadOnlyDictionary<T, long> after) where T : notnull =>
        after.Select(pair => (pair.Key, Count: pair.Value - before.GetValueOrDefault(pair.Key)))
            .Where(change => change.Count > 0)
            .OrderByDescending(change => change.Count)
            .ThenBy(change => change.Key.ToString(), StringComparer.Ordinal)
            .ToList();

    private static string Describe<T>(List<(T Key, long Count)> changes) =>
        changes.Count == 0 ? "none" : string.Join(", ", changes.Select(change => $"{change.Key}: {change.Count}"));
}
