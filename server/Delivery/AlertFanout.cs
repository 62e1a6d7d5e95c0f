using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Delivery;

/// <summary>
/// Delivers alerts to every local socket exactly once, keeps them for resuming clients, and attaches
/// new connections. Delivery and attachment share one lock, so a connecting client gets its replay and
/// then every live alert, with nothing falling between the two.
/// </summary>
internal sealed class AlertFanout
{
    private readonly Lock _gate = new();
    private readonly ConnectionRegistry _connections;
    private readonly NotificationsMetrics _metrics;
    private readonly RecentAlerts _recent;
    private readonly SeenIds _seen;
    private readonly TimeSpan _slack;
    private readonly BusHealth _health;

    public AlertFanout(ConnectionRegistry connections, BusHealth health, IOptions<DeliveryOptions> options, TimeProvider clock, NotificationsMetrics metrics)
    {
        var o = options.Value;
        _connections = connections;
        _health = health;
        _metrics = metrics;
        _recent = new RecentAlerts(o.WindowSize, TimeSpan.FromSeconds(o.WindowSeconds), clock);
        _seen = new SeenIds(Math.Max(4 * o.WindowSize, 10_000));
        _slack = TimeSpan.FromSeconds(o.ResumeSlackSeconds);
    }

    /// <summary>Queues the alert on every local socket unless its id was delivered already; returns how many sockets took it, or -1 for a duplicate.</summary>
    public int Deliver(AlertMessage alert)
    {
        var frame = SocketFrame.Text(Frames.Alert(alert));
        lock (_gate)
        {
            if (!_seen.Add(alert.Id))
            {
                _metrics.DuplicateDropped();
                return -1;
            }
            _recent.Add(alert, frame);
            return _connections.Broadcast(frame);
        }
    }

    /// <summary>
    /// Creates and registers a connection: queues its welcome (built from the resume outcome), then its
    /// replay, then makes it eligible for live alerts. <paramref name="create"/> is given the number of
    /// frames queued up front, so they never count against the live send queue.
    /// </summary>
    public (Connection Connection, ResumeReport? Resume) Attach(Func<int, Connection> create, string? since, Func<ResumeReport?, SocketFrame> welcome)
    {
        lock (_gate)
        {
            ResumeReport? report = null;
            List<SocketFrame> replay = [];
            if (since is not null)
            {
                (bool complete, replay) = _recent.Since(since, _slack, _health.ReceivingSince);
                report = new ResumeReport(since, complete, replay.Count);
                _metrics.Resumed(complete, replay.Count);
            }
            var connection = create(1 + replay.Count);
            connection.TryEnqueue(welcome(report));
            foreach (var frame in replay)
                connection.TryEnqueue(frame);
            _connections.Add(connection);
            return (connection, report);
        }
    }
}
