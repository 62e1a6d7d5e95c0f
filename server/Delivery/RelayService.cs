using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Delivery;

/// <summary>
/// Runs the bus's receive loop for the life of the host: alerts go to the local fan-out, heartbeats to
/// the fleet directory, anything else is logged and dropped. On graceful shutdown it deletes this
/// instance's subscription, last of the services, and reports what the stop could not do.
/// </summary>
internal sealed partial class RelayService(
    IMessageBus bus,
    AlertFanout fanout,
    FleetDirectory fleet,
    BusHealth health,
    ShutdownPlan shutdown,
    IHostApplicationLifetime lifetime,
    IOptions<ConnectionOptions> connectionOptions,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<RelayService> logger,
    IEnumerable<IBusMessageRelay> relays) : BackgroundService
{
    private readonly int _maxTextLength = connectionOptions.Value.MaxTextLength;
    private readonly IBusMessageRelay[] _relays = [.. relays];
    // Alerts for global the bus has handed over, held until it has no more at hand: each socket then takes them
    // in one go. At most a quarter of a socket's queue, as a socket takes a batch whole or not at all, and at
    // most 128: room to catch up after a stall in one broadcast, not several, while the batch's first alert
    // waits for no more than a fraction of a millisecond of reading behind it.
    private readonly AlertMessage[] _held = new AlertMessage[Math.Clamp(connectionOptions.Value.SendQueueCapacity / 4, 1, 128)];
    private int _heldCount;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // /healthz says stopping from the first moment, so the proxy sends newcomers elsewhere during the drain.
        lifetime.ApplicationStopping.Register(health.Stopping);
        return bus.ReceiveAsync(RelayAsync, DeliverHeld, stoppingToken);
    }

    /// <summary>
    /// One message from the bus. A global alert is held for the next broadcast; anything else first sends what
    /// is held, so each socket gets what the bus hands over in the order it came, and no alert is held behind
    /// more than the few messages that fill <see cref="_held"/>. A failure here is a bug in this server, not in
    /// the message: it is logged and the message dropped (the bus acknowledges it anyway), so one message cannot
    /// stop the loop or come back forever.
    /// </summary>
    private ValueTask RelayAsync(BusMessage message, CancellationToken cancellationToken)
    {
        try
        {
            Relay(message);
        }
        catch (Exception e)
        {
            Log.RelayFailed(logger, message.MessageId, e);
        }
        return ValueTask.CompletedTask;
    }

    private void Relay(BusMessage message)
    {
        if (Read(message) is not { } read)
            return;
        if (read.Alert is { } arrived && !health.Vouches)
        {
            // What an ended stream had in flight may still come, so this alert's sentAt vouches for nothing before it (BusHealth.Stamp).
            read = read with { Alert = arrived with { Stamp = false } };
        }
        if (read.Alert is { IsGlobal: true } global)
        {
            _held[_heldCount++] = global;
            if (_heldCount == _held.Length)
                DeliverHeld();
            return;
        }
        DeliverHeld();
        if (read.Heartbeat is { } heartbeat)
        {
            fleet.Observe(heartbeat);
        }
        else if (read.Alert is { } alert)
        {
            Relayed(alert, fanout.Deliver(alert));
        }
        else
        {
            metrics.InvalidTopicMessage();
            Log.DroppedInvalidMessage(logger, message.MessageId, message.Data.Length, read.Invalid!);
        }
    }

    /// <summary>What the message is, or null when one of the other relays (Pusher's) claimed and handled it.</summary>
    private TopicMessage? Read(BusMessage message)
    {
        // The in-process bus hands this process's own alerts back as they were published, with no body to read.
        if (message.Alert is { } ours)
            return new TopicMessage(ours, null, null);
        foreach (var relay in _relays)
        {
            if (relay.Claims(message))
            {
                DeliverHeld();
                relay.Relay(message);
                return null;
            }
        }
        return TopicMessageReader.Read(message.Data, message.MessageId, message.PublishTime, _maxTextLength);
    }

    /// <summary>
    /// The held alerts for global, delivered as one broadcast. Should that fail, each is delivered on its own,
    /// so a bug one alert meets costs that alert, not the others held with it.
    /// </summary>
    private void DeliverHeld()
    {
        if (_heldCount == 0)
            return;
        var held = _held.AsSpan(0, _heldCount);
        _heldCount = 0;
        try
        {
            int delivered = fanout.DeliverGlobal(held, out int fresh);
            metrics.GlobalBroadcast();
            for (int i = 0; i < held.Length; i++)
                Relayed(held[i], i < fresh ? delivered : -1);
        }
        catch (Exception e)
        {
            Log.BroadcastFailed(logger, held.Length, e);
            foreach (var alert in held)
                DeliverAlone(alert);
        }
        finally
        {
            held.Clear();
        }
    }

    private void DeliverAlone(AlertMessage alert)
    {
        try
        {
            Relayed(alert, fanout.Deliver(alert));
        }
        catch (Exception e)
        {
            Log.AlertFailed(logger, alert.Id, e);
        }
    }

    private void Relayed(AlertMessage alert, int delivered)
    {
        if (delivered >= 0)
            metrics.Relayed(delivered, clock.GetUtcNow() - alert.SentAt);
        Log.Relayed(logger, alert.Id, alert.Region, alert.Instance, delivered);
    }

    /// <summary>
    /// Deletes the subscription while the stream is still open, then stops receiving: the broker ends
    /// the stream itself, leaving no half-closed stream behind that a restarted machine, which reuses the
    /// subscription's name, could have its messages handed to.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        health.Stopping();
        using var budget = new CancellationTokenSource(shutdown.DeleteTimeLeft, clock);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        shutdown.NotDeleted(await bus.DeleteSubscriptionAsync(deadline.Token));
        await base.StopAsync(cancellationToken);
        shutdown.Report(bus.SubscriptionName);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
            Message = "Dropped topic message {MessageId} ({Bytes} bytes): it is not a valid alert because {Reason}.")]
        public static partial void DroppedInvalidMessage(ILogger logger, string messageId, int bytes, string reason);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Debug,
            Message = "Relayed alert {AlertId} from {OriginRegion}/{OriginInstance} to {Delivered} local sockets (-1: a duplicate, dropped).")]
        public static partial void Relayed(ILogger logger, string alertId, string originRegion, string originInstance, int delivered);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Relaying topic message {MessageId} failed; it is acknowledged and dropped.")]
        public static partial void RelayFailed(ILogger logger, string messageId, Exception exception);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Broadcasting {Count} held alerts at once failed; delivering each on its own.")]
        public static partial void BroadcastFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Delivering alert {AlertId} failed; it is acknowledged and dropped.")]
        public static partial void AlertFailed(ILogger logger, string alertId, Exception exception);
    }
}
