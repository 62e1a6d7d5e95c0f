namespace Notifications.Connections;

internal sealed partial class Connection
{
    public static void LogOpened(ILogger logger, Connection connection) => Log.Opened(logger, connection.Id, connection.Remote);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
            Message = "Connection {ConnectionId} from {Remote} closed ({CloseReason}) after {DurationSeconds:0.0} s: {FramesIn} frames in, {AlertsPublished} alerts published, {FramesOut} frames out, {ErrorsSent} errors sent.")]
        public static partial void Closed(ILogger logger, long connectionId, string remote, CloseReason closeReason,
            double durationSeconds, long framesIn, long alertsPublished, long framesOut, long errorsSent);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} let {QueueCapacity} frames pile up unread; closing it with 1013.")]
        public static partial void SlowClient(ILogger logger, long connectionId, string remote, int queueCapacity);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} sent a message over {LimitBytes} bytes; closing it with 1009.")]
        public static partial void MessageTooBig(ILogger logger, long connectionId, string remote, int limitBytes);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Connection {ConnectionId} published alert {AlertId}.")]
        public static partial void AlertPublished(ILogger logger, long connectionId, string alertId);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Connection {ConnectionId} was sent error {ErrorCode}.")]
        public static partial void ErrorSent(ILogger logger, long connectionId, string errorCode);

        [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Connection {ConnectionId} opened from {Remote}.")]
        public static partial void Opened(ILogger logger, long connectionId, string remote);
    }
}
