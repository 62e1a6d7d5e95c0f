using System.Diagnostics.Metrics;

namespace Notifications.Metrics;

/// <summary>
/// Every number an operator needs, as System.Diagnostics.Metrics instruments on the "Notifications"
/// meter. The Prometheus exporter prefixes the meter's name, so <c>alerts.published</c> is scraped as
/// <c>notifications_alerts_published</c>.
/// </summary>
public sealed class NotificationsMetrics
{
    public const string MeterName = "Notifications";

    private long _openBare, _openKestrel, _openedBare, _openedKestrel, _replayed, _globalBroadcasts;
    // Counted per connection, read at a scrape (CountsByLabel): at a reconnect storm's rate, an
    // instrument's per-measurement listener would cost more than the rest of the counting.
    private readonly CountsByLabel<(string Reason, string Transport)> _closed = new();
    private readonly CountsByLabel<(int Status, string Reason)> _refused = new();
    private readonly CountsByLabel<string> _errorsSent = new();
    private readonly CountsByLabel<bool> _resumes = new();
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _publishExpired;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _relayed;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _deliveryLag;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _invalidTopicMessages;
    private readonly Counter<long> _streamRestarts;
    private readonly Counter<long> _swept;
    private readonly Counter<long> _busFailures;

    public NotificationsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        // Observed, not added to: the exporter reads the true counts at every scrape.
        meter.CreateObservableUpDownCounter("connections", OpenConnections, "{connection}", "Open WebSockets on this instance, by transport (bare socket or Kestrel).");
        meter.CreateObservableCounter("connections.opened", OpenedConnections, "{connection}", "WebSockets accepted since the start, by transport.");
        meter.CreateObservableCounter("connections.closed", () => _closed.Measure(static k => [new("reason", k.Reason), new("transport", k.Transport)]),
            "{connection}", "Closed WebSockets, by reason (slow_client counts 1013 closes, dropped a client gone without a close frame) and transport.");
        meter.CreateObservableCounter("connections.refused", () => _refused.Measure(static k => [new("status", k.Status), new("reason", k.Reason)]),
            "{request}", "Handshakes at the socket endpoint refused, by HTTP status and reason (400/426 not a valid handshake or a token in the wrong place, 401 token refused or missing, 403 origin, 429 per-address cap, 503 instance cap or stopping).");
        _published = meter.CreateCounter<long>("alerts.published", "{alert}", "Alerts from local clients published to the topic.");
        _publishFailures = meter.CreateCounter<long>("publish.failures", "{request}", "Publish requests of alerts Pub/Sub refused or did not answer; retried (bus.failures has the status).");
        _publishExpired = meter.CreateCounter<long>("alerts.publish_expired", "{alert}", "Alerts given up after PUBLISH_TIMEOUT_SECONDS; their senders got an error.");
        _publishDuration = meter.CreateHistogram<double>("publish.duration", "s", "Time for one successful publish request.");
        _relayed = meter.CreateCounter<long>("alerts.relayed", "{alert}", "Alerts received from the topic and handed to local sockets.");
        _deliveries = meter.CreateCounter<long>("deliveries", "{frame}", "Alert frames queued on local sockets.");
        _deliveryLag = meter.CreateHistogram<double>("delivery.lag", "s", "From an alert's sentAt to the end of its fan-out on this instance.");
        meter.CreateObservableCounter("fanout.global_broadcasts", () => Volatile.Read(ref _globalBroadcasts), "{broadcast}",
            "Broadcasts to every socket in global: each carries the global alerts the bus handed over at once, so under load one carries many.");
        _duplicates = meter.CreateCounter<long>("alerts.duplicates", "{alert}", "Redelivered alerts dropped by id.");
        _invalidTopicMessages = meter.CreateCounter<long>("topic.invalid_messages", "{message}", "Topic messages that were not valid alerts; acked and dropped.");
        meter.CreateObservableCounter("errors.sent", () => _errorsSent.Measure(static code => [new("code", code)]), "{frame}", "Error frames sent to clients, by code.");
        meter.CreateObservableCounter("resumes", () => _resumes.Measure(static complete => [new("outcome", complete ? "complete" : "incomplete")]),
            "{connection}", "Reconnects with ?since=, by whether the window covered them.");
        meter.CreateObservableCounter("resumes.replayed", () => Volatile.Read(ref _replayed), "{alert}", "Alerts replayed to resuming clients.");
        _streamRestarts = meter.CreateCounter<long>("stream.restarts", "{restart}", "Receive streams reopened, by reason (ended: Pub/Sub ended it, with its status; requested: starvation or a missing topic; subscription_missing; subscription_detached: its topic was deleted).");
        _swept = meter.CreateCounter<long>("subscriptions.swept", "{subscription}", "Abandoned instance subscriptions deleted by the sweeper.");
        _busFailures = meter.CreateCounter<long>("bus.failures", "{call}", "Pub/Sub calls refused or unanswered, by side (setup, receive, publish) and gRPC status.");
        meter.CreateObservableGauge("bus.ready", () => _busReady?.Invoke() is true ? 1 : 0, "{instance}",
            "1 while this instance can publish and its receive stream is open (/healthz?strict 200).");
        meter.CreateObservableGauge("bus.side_up", () => (_busSides?.Invoke() ?? []).Select(s => new Measurement<int>(s.Up ? 1 : 0, new KeyValuePair<string, object?>("side", s.Side))),
            "{side}", "1 while that side of the bus works: setup (subscription exists), receive (stream open), publish (last publish succeeded).");
    }

    private Func<bool>? _busReady;
    private Func<IEnumerable<(string Side, bool Up)>>? _busSides;

    /// <summary>Where the bus's readiness and its sides are read at each scrape.</summary>
    public void ObserveBus(Func<bool> ready, Func<IEnumerable<(string Side, bool Up)>> sides) => (_busReady, _busSides) = (ready, sides);

    public void BusCallFailed(string side, Grpc.Core.StatusCode status) =>
        _busFailures.Add(1, new("side", side), new("status", status.ToString()));

    /// <param name="transport">The transport's label: <c>bare</c> or <c>kestrel</c>.</param>
    public void ConnectionOpened(string transport)
    {
        bool bare = IsBare(transport);
        Interlocked.Increment(ref bare ? ref _openedBare : ref _openedKestrel);
        Interlocked.Increment(ref bare ? ref _openBare : ref _openKestrel);
    }

    public void ConnectionClosed(string reason, string transport)
    {
        Interlocked.Decrement(ref IsBare(transport) ? ref _openBare : ref _openKestrel);
        _closed.Add((reason, transport));
    }

    /// <summary>What connections did since the start: for the log's periodic summary.</summary>
    internal ConnectionActivity ReadConnections() => new(
        Volatile.Read(ref _openedBare) + Volatile.Read(ref _openedKestrel),
        Volatile.Read(ref _openBare) + Volatile.Read(ref _openKestrel),
        _refused.Read().GroupBy(p => p.Key.Status).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)),
        _closed.Read().GroupBy(p => p.Key.Reason).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)));

    private static bool IsBare(string transport) => transport == "bare";

    private Measurement<long>[] OpenConnections() =>
    [
        new(Volatile.Read(ref _openBare), new KeyValuePair<string, object?>("transport", "bare")),
        new(Volatile.Read(ref _openKestrel), new KeyValuePair<string, object?>("transport", "kestrel")),
    ];

    private Measurement<long>[] OpenedConnections() =>
    [
        new(Volatile.Read(ref _openedBare), new KeyValuePair<string, object?>("transport", "bare")),
        new(Volatile.Read(ref _openedKestrel), new KeyValuePair<string, object?>("transport", "kestrel")),
    ];

    /// <param name="reason">Why, as a label: handshake, stopping, since, token_in_url, token_placement, origin, token_missing, token_&lt;problem&gt;, capacity, per_address, not_upgradable.</param>
    public void ConnectionRefused(int status, string reason) =>
        _refused.Add((status, reason));

    public void Published(int count, TimeSpan duration)
    {
        _published.Add(count);
        _publishDuration.Record(duration.TotalSeconds);
    }

    public void PublishFailed() => _publishFailures.Add(1);
    public void PublishExpired(int count) => _publishExpired.Add(count);

    public void Relayed(int sockets, TimeSpan lag)
    {
        _relayed.Add(1);
        _deliveries.Add(sockets);
        _deliveryLag.Record(Math.Max(0, lag.TotalSeconds));
    }

    /// <summary>One broadcast of held global alerts. Only the relay's loop calls this.</summary>
    public void GlobalBroadcast() => Volatile.Write(ref _globalBroadcasts, _globalBroadcasts + 1);

    public void DuplicateDropped() => _duplicates.Add(1);
    public void InvalidTopicMessage() => _invalidTopicMessages.Add(1);
    public void ErrorSent(string code) => _errorsSent.Add(code);

    public void Resumed(bool complete, int replayed)
    {
        _resumes.Add(complete);
        Interlocked.Add(ref _replayed, replayed);
    }

    public void StreamRestarted(string reason) => _streamRestarts.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void StreamRestarted(string reason, Grpc.Core.StatusCode status) =>
        _streamRestarts.Add(1, new("reason", reason), new("status", status.ToString()));
    public void Swept() => _swept.Add(1);
}
