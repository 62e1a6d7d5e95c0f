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
    // in one go. At most a quarter of a socket's queue, as a socket takes a batch whole or not at all.
    private readonly AlertMessage[] _held = new AlertMessage[Math.Clamp(connectionOptions.Value.SendQueueCapacity / 4, 1, 32)];
    private int _heldCount;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // /healthz says stopping from the first moment, so the proxy sends newcomers elsewhere during the drain.
        lifetime.ApplicationStopping.Register(health.Stopping);
        return bus.ReceiveAsync(RelayAsync, DeliverHeld, stoppingToken);
    }

    private ValueTask RelayAsync(BusMessage message, CancellationToken cancellationToken)
    {
        foreach (var relay in _relays)
        {
            if (relay.Claims(message))
            {
                // In the order they came: what is held goes first.
                DeliverHeld();
                relay.Relay(message);
                return ValueTask.CompletedTask;
            }
        }
        var read = TopicMessageReader.Read(message.Data, message.MessageId, message.PublishTime, _maxTextLength);
        if (read.Heartbeat is { } heartbeat)
        {
            fleet.Observe(heartbeat);
        }
        else if (read.Alert is { IsGlobal: true } global)
        {
            _held[_heldCount++] = global;
            if (_heldCount == _held.Length)
                DeliverHeld();
        }
        else if (read.Alert is { } alert)
        {
            // In the order they came: what is held goes first.
            DeliverHeld();
            Relayed(alert, fanout.Deliver(alert));
        }
        else
        {
            metrics.InvalidTopicMessage();
            Log.DroppedInvalidMessage(logger, message.MessageId, message.Data.Length, read.Invalid!);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The held alerts for global, delivered as one broadcast.</summary>
    private void DeliverHeld()
    {
        if (_heldCount == 0)
            return;
        var held = _held.AsSpan(0, _heldCount);
        _heldCount = 0;
        try
        {
            int delivered = fanout.DeliverGlobal(held, out int fresh);
            for (int i = 0; i < held.Length; i++)
                Relayed(held[i], i < fresh ? delivered : -1);
        }
        finally
        {
            held.Clear();
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
    }
}
