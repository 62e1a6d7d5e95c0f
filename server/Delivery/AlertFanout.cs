using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;
using Notifications.Metrics;
using Notifications.WebSockets;

namespace Notifications.Delivery;

/// <summary>
/// Delivers alerts to the local sockets of their channel exactly once (a <c>global</c> alert to every socket
/// in global, any other to its channel's members only), keeps them for resuming clients, and is the feed new
/// connections and subscriptions join. Delivery, joining and resuming share one lock, so a client that
/// resumes gets its replay and then every live alert, with nothing falling between the two.
/// </summary>
internal sealed class AlertFanout : IAlertFeed
{
    /// <summary>A broadcast of up to this many alerts keeps where their frames lie on the stack.</summary>
    private const int RangesOnStack = 128;

    private readonly Lock _gate = new();
    private readonly ConnectionRegistry _connections;
    private readonly NotificationsMetrics _metrics;
    private readonly RecentAlerts _recent;
    private readonly ChannelWindow _channels;
    private readonly SeenIds _seen;
    private readonly TimeSpan _slack;
    private readonly BusHealth _health;
    private readonly TimeProvider _clock;
    private readonly IAlertDialect? _dialect;

    public AlertFanout(ConnectionRegistry connections, BusHealth health, IOptions<DeliveryOptions> options, IOptions<ChannelOptions> channels,
        TimeProvider clock, NotificationsMetrics metrics, IAlertDialect? dialect = null)
    {
        _dialect = dialect;
        var o = options.Value;
        _connections = connections;
        _health = health;
        _clock = clock;
        _metrics = metrics;
        _recent = new RecentAlerts(o.WindowSize, TimeSpan.FromSeconds(o.WindowSeconds), clock);
        _channels = new ChannelWindow(channels.Value.WindowSize, channels.Value.WindowTotal, TimeSpan.FromSeconds(o.WindowSeconds), clock);
        // A minute's worth at over 800 alerts a second, made once: a busier topic grows it (see SeenIds).
        _seen = new SeenIds(Math.Max(4 * o.WindowSize, 50_000), clock);
        _slack = TimeSpan.FromSeconds(o.ResumeSlackSeconds);
    }

    /// <summary>Queues the alert on its channel's local sockets unless its id was delivered already; returns how many sockets took it, or -1 for a duplicate.</summary>
    public int Deliver(AlertMessage alert)
    {
        if (alert.IsGlobal)
        {
            int sockets = DeliverGlobal(new Span<AlertMessage>(ref alert), out int fresh);
            return fresh == 0 ? -1 : sockets;
        }
        var frame = Frames.AlertFrame(alert);
        lock (_gate)
        {
            if (!_seen.Add(alert.Id))
            {
                _metrics.DuplicateDropped();
                return -1;
            }
            _channels.Add(alert.Channel, alert, frame);
            return _connections.SendToChannel(alert.Channel, frame, _dialect?.ForAlert(alert), null);
        }
    }

    /// <summary>
    /// Delivers alerts for <c>global</c> as one broadcast: each socket takes all of them at once, under one lock, and
    /// its pump is started once. Duplicates (ids delivered already) are dropped and moved behind the rest; the
    /// first <paramref name="fresh"/> of <paramref name="alerts"/> are those delivered, in their order. Returns how
    /// many sockets took them.
    /// </summary>
    public int DeliverGlobal(Span<AlertMessage> alerts, out int fresh)
    {
        // Framed outside the lock, straight into the one array every socket is given; the window copies each alert's frame from it.
        Span<Range> frames = alerts.Length <= RangesOnStack ? stackalloc Range[alerts.Length] : new Range[alerts.Length];
        var joined = Frames.AlertFrames(alerts, frames);
        PumpStarter? mine = null;
        try
        {
            lock (_gate)
            {
                fresh = 0;
                for (int i = 0; i < alerts.Length; i++)
                {
                    if (!_seen.Add(alerts[i].Id))
                    {
                        _metrics.DuplicateDropped();
                        continue;
                    }
                    (alerts[fresh], alerts[i]) = (alerts[i], alerts[fresh]);
                    frames[fresh] = frames[i];
                    _recent.Add(alerts[fresh], joined, frames[fresh]);
                    fresh++;
                }
                if (fresh == 0)
                    return 0;
                if (fresh < alerts.Length)
                    joined = SocketFrame.Pick(joined, frames[..fresh]);
                return _connections.Broadcast(joined, globalOnly: true, out mine);
            }
        }
        finally
        {
            // As the floor's broadcast does: the receive loop sends to its share of the sockets itself, with no hop.
            mine?.Execute();
        }
    }

    public ResumeReport? Join(Connection connection, string? since)
    {
        if (since is null)
        {
            JoinFresh(connection);
            return null;
        }
        lock (_gate)
        {
            var (report, replay) = Missed(ChannelName.Global, since);
            _connections.Attach(connection, _connections.Welcome(report, connection), replay);
            return report;
        }
    }

    /// <summary>
    /// A fresh start has no replay to line up with the broadcasts, so it takes no lock: a storm's
    /// handshakes would otherwise queue on the one lock every delivery holds.
    /// </summary>
    private void JoinFresh(Connection connection) => _connections.Attach(connection, _connections.Welcome(null, connection), []);

    public ResumeReport? Subscribe(Connection connection, string channel, string? since, bool enter)
    {
        if (since is null)
        {
            // No resume: the subscription starts with its answer, and needs no gate.
            connection.TryEnqueue(Frames.Subscribed(channel, null, _health.Stamp(_clock.GetUtcNow())));
            if (enter)
                Enter(connection, channel);
            return null;
        }
        lock (_gate)
        {
            var (report, replay) = Missed(channel, since);
            connection.EnqueueReplay(Frames.Subscribed(channel, report, _health.Stamp(_clock.GetUtcNow())), replay);
            if (enter)
                Enter(connection, channel);
            return report;
        }
    }

    /// <summary>
    /// What a client that last got <paramref name="since"/> on <paramref name="channel"/> missed, from that channel's window:
    /// from its last alert's id, or from the stamp it names after it if only that can be answered completely (a busy
    /// instance lets ids go by count before their time). Under the gate.
    /// </summary>
    private (ResumeReport Report, List<SocketFrame> Replay) Missed(string channel, string since)
    {
        var (complete, replay) = channel == ChannelName.Global
            ? _recent.Since(since, _slack, _health.ReceivingSince, _health.MissedUpTo)
            : _channels.Since(channel, since, _slack, _health.ReceivingSince, _health.MissedUpTo);
        _metrics.Resumed(complete, replay.Count);
        return (new ResumeReport(since, complete, replay.Count), replay);
    }

    private void Enter(Connection connection, string channel)
    {
        if (channel == ChannelName.Global)
            connection.ReturnToGlobal();
        else
            _connections.JoinChannel(channel, connection);
    }
}
