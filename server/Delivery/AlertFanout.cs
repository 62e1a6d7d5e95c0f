using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;
using Notifications.Metrics;
using Notifications.WebSockets;

namespace Notifications.Delivery;

/// <summary>
/// Delivers alerts to every local socket exactly once, keeps them for resuming clients, and is the feed
/// new connections join. Delivery and resuming share one lock, so a resuming client gets its replay and
/// then every live alert, with nothing falling between the two.
/// </summary>
internal sealed class AlertFanout : IAlertFeed
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

    public ResumeReport? Join(Connection connection, string? since)
    {
        if (since is null)
        {
            JoinFresh(connection);
            return null;
        }
        ResumeReport report;
        lock (_gate)
        {
            var (complete, replay) = _recent.Since(since, _slack, _health.ReceivingSince);
            report = new ResumeReport(since, complete, replay.Count);
            _connections.Attach(connection, _connections.Welcome(report), replay);
        }
        _metrics.Resumed(report.Complete, report.Replayed);
        return report;
    }

    /// <summary>
    /// A fresh start has no replay to line up with the broadcasts, so it takes no lock: a storm's
    /// handshakes would otherwise queue on the one lock every delivery holds.
    /// </summary>
    private void JoinFresh(Connection connection) => _connections.Attach(connection, _connections.Welcome(null), []);
}
