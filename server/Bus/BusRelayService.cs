using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Messages;

namespace Notifications.Bus;

/// <summary>
/// Runs the bus's receive loop for the life of the host and relays every valid alert to all
/// local sockets; on graceful shutdown deletes this instance's subscription.
/// </summary>
internal sealed partial class BusRelayService(
    IMessageBus bus,
    ConnectionRegistry connections,
    BusHealth health,
    IOptions<ConnectionOptions> connectionOptions,
    ILogger<BusRelayService> logger) : BackgroundService
{
    private readonly int _maxTextLength = connectionOptions.Value.MaxTextLength;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        bus.ReceiveAsync(RelayAsync, stoppingToken);

    /// <summary>Hands one topic message to the local fan-out. Invalid messages are logged and dropped, never retried.</summary>
    private ValueTask RelayAsync(BusMessage message, CancellationToken cancellationToken)
    {
        if (!TopicMessageReader.TryRead(message.Data, message.MessageId, message.PublishTime, _maxTextLength, out var alert, out var reason))
        {
            Log.DroppedInvalidMessage(logger, message.MessageId, message.Data.Length, reason!);
            return ValueTask.CompletedTask;
        }
        int delivered = connections.Broadcast(Frames.Alert(alert!));
        Log.Relayed(logger, alert!.Id, alert.Region, alert.Instance, delivered);
        return ValueTask.CompletedTask;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        health.Set(BusState.Stopping, "shutting down");
        await base.StopAsync(cancellationToken);
        await bus.DeleteSubscriptionAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
            Message = "Dropped topic message {MessageId} ({Bytes} bytes): it is not a valid alert because {Reason}.")]
        public static partial void DroppedInvalidMessage(ILogger logger, string messageId, int bytes, string reason);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Debug,
            Message = "Relayed alert {AlertId} from {OriginRegion}/{OriginInstance} to {Delivered} local sockets.")]
        public static partial void Relayed(ILogger logger, string alertId, string originRegion, string originInstance, int delivered);
    }
}
