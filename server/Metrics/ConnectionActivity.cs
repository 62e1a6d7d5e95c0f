namespace Notifications.Metrics;

/// <summary>Connection counts since the start, read at one moment: what the log's summary compares interval by interval.</summary>
/// <param name="Accepted">Sockets accepted (upgraded), either transport.</param>
/// <param name="Open">Sockets open now.</param>
/// <param name="RefusedByStatus">Handshakes refused, by HTTP status.</param>
/// <param name="ClosedByReason">Sockets closed, by reason label.</param>
internal sealed record ConnectionActivity(long Accepted, long Open, IReadOnlyDictionary<int, long> RefusedByStatus, IReadOnlyDictionary<string, long> ClosedByReason);
