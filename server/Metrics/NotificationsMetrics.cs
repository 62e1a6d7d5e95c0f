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

    private long _openBare, _openKestrel;
    private readonly Counter<long> _connectionsClosed;
    private readonly Counter<long> _connectionsRefused;
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _publishExpired;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _relayed;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _deliveryLag;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _invalidTopicMessages;
    private readonly Counter<long> _errorsSent;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _streamRestarts;
    private readonly Counter<long> _swept;
    private readonly Counter<long> _busFailures;

    public NotificationsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        // Observed, not added to: the exporter re-reads the true count at every scrape.
        meter.CreateObservableUpDownCounter("connections", OpenConnections, "{connection}", "Open WebSockets on this instance, by transport (bare socket or Kestrel).");
        _connectionsClosed = meter.CreateCounter<long>("connections.closed", "{connection}", "Closed WebSockets, by reason (slow_client counts 1013 closes) and transport.");
        _connectionsRefused = meter.CreateCounter<long>("connections.refused", "{request}", "Handshakes at the socket endpoint refused, by HTTP status and reason (400/426 not a valid handshake or a token in the wrong place, 401 token refused or missing, 403 origin, 429 per-address cap, 503 instance cap or stopping).");
        _published = meter.CreateCounter<long>("alerts.published", "{alert}", "Alerts from local clients published to the topic.");
        _publishFailures = meter.CreateCounter<long>("publish.failures", "{request}", "Publish requests of alerts Pub/Sub refused or did not answer; retried (bus.failures has the status).");
        _publishExpired = meter.CreateCounter<long>("alerts.publish_expired", "{alert}", "Alerts given up after PUBLISH_TIMEOUT_SECONDS; their senders got an error.");
        _publishDuration = meter.CreateHistogram<double>("publish.duration", "s", "Time for one successful publish request.");
        _relayed = meter.CreateCounter<long>("alerts.relayed", "{alert}", "Alerts received from the topic and handed to local sockets.");
        _deliveries = meter.CreateCounter<long>("deliveries", "{frame}", "Alert frames queued on local sockets.");
        _deliveryLag = meter.CreateHistogram<double>("delivery.lag", "s", "From an alert's sentAt to its relay on this instance.");
        _duplicates = meter.CreateCounter<long>("alerts.duplicates", "{alert}", "Redelivered alerts dropped by id.");
        _invalidTopicMessages = meter.CreateCounter<long>("topic.invalid_messages", "{message}", "Topic messages that were not valid alerts; acked and dropped.");
        _errorsSent = meter.CreateCounter<long>("errors.sent", "{frame}", "Error frames sent to clients, by code.");
        _resumes = meter.CreateCounter<long>("resumes", "{connection}", "Reconnects with ?since=, by whether the window covered them.");
        _replayed = meter.CreateCounter<long>("resumes.replayed", "{alert}", "Alerts replayed to resuming clients.");
        _streamRestarts = meter.CreateCounter<long>("stream.restarts", "{restart}", "Receive streams reopened, by reason (ended: Pub/Sub ended it, with its status; requested: starvation; subscription_missing).");
        _swept = meter.CreateCounter<long>("subscriptions.swept", "{subscription}", "Abandoned instance subscriptions deleted by the sweeper.");
        _busFailures = meter.CreateCounter<long>("bus.failures", "{call}", "Pub/Sub calls refused or unanswered, by side (setup, receive, publish) and gRPC status.");
        meter.CreateObservableGauge("bus.ready", () => _busReady?.Invoke() is true ? 1 : 0, "{instance}",
            "1 while this instance can publish and its receive stream is open (/healthz 200).");
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
    public void ConnectionOpened(string transport) => Interlocked.Increment(ref OpenCount(transport));

    public void ConnectionClosed(string reason, string transport)
    {
        Interlocked.Decrement(ref OpenCount(transport));
        _connectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("transport", transport));
    }

    private ref long OpenCount(string transport) => ref transport == "bare" ? ref _openBare : ref _openKestrel;

    private Measurement<long>[] OpenConnections() =>
    [
        new(Volatile.Read(ref _openBare), new KeyValuePair<string, object?>("transport", "bare")),
        new(Volatile.Read(ref _openKestrel), new KeyValuePair<string, object?>("transport", "kestrel")),
    ];

    /// <param name="reason">Why, as a label: handshake, stopping, since, token_in_url, token_placement, origin, token_missing, token_&lt;problem&gt;, capacity, per_address, not_upgradable.</param>
    public void ConnectionRefused(int status, string reason) =>
        _connectionsRefused.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("reason", reason));

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

    public void DuplicateDropped() => _duplicates.Add(1);
    public void InvalidTopicMessage() => _invalidTopicMessages.Add(1);
    public void ErrorSent(string code) => _errorsSent.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Resumed(bool complete, int replayed)
    {
        _resumes.Add(1, new KeyValuePair<string, object?>("outcome", complete ? "complete" : "incomplete"));
        _replayed.Add(replayed);
    }

    public void StreamRestarted(string reason) => _streamRestarts.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void StreamRestarted(string reason, Grpc.Core.StatusCode status) =>
        _streamRestarts.Add(1, new("reason", reason), new("status", status.ToString()));
    public void Swept() => _swept.Add(1);
}
