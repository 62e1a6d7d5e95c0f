using Notifications.Configuration;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    public static void LogOpened(ILogger logger, ConnectionOptions options, Connection connection, Messages.ResumeReport? resume)
    {
        var level = PerConnectionLevel(options);
        if (resume is null)
            Log.Opened(logger, level, connection.Id, connection.Remote);
        else
            Log.Resumed(logger, level, connection.Id, connection.Remote, resume.Since, resume.Complete, resume.Replayed);
    }

    /// <summary>
    /// Lines every connection writes (opened, closed, dropped as unresponsive) are Debug unless
    /// LOG_CONNECTIONS asks for them at Information; the log's periodic summary counts them either way.
    /// </summary>
    private static LogLevel PerConnectionLevel(ConnectionOptions options) => options.LogEachConnection ? LogLevel.Information : LogLevel.Debug;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001,
            Message = "Connection {ConnectionId} from {Remote} closed ({CloseReason}) after {DurationSeconds:0.0} s: {FramesIn} frames in, {AlertsAccepted} alerts accepted, {FramesOut} frames out, {ErrorsSent} errors sent.")]
        public static partial void Closed(ILogger logger, LogLevel level, long connectionId, string remote, CloseReason closeReason,
            double durationSeconds, long framesIn, long alertsAccepted, long framesOut, long errorsSent);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} let {QueueCapacity} frames pile up unread; closing it with 1013.")]
        public static partial void SlowClient(ILogger logger, long connectionId, string remote, int queueCapacity);

        [LoggerMessage(EventId = 3015, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} did not finish taking one write in {Seconds} s: it has stopped reading; closing it with 1013.")]
        public static partial void StalledWrite(ILogger logger, long connectionId, string remote, int seconds);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} sent a message over {LimitBytes} bytes; closing it with 1009.")]
        public static partial void MessageTooBig(ILogger logger, long connectionId, string remote, int limitBytes);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Connection {ConnectionId} sent alert {AlertId}; queued for the topic.")]
        public static partial void AlertAccepted(ILogger logger, long connectionId, string alertId);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Connection {ConnectionId} was sent error {ErrorCode}.")]
        public static partial void ErrorSent(ILogger logger, long connectionId, string errorCode);

        [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} kept sending after {Strikes} rate-limit errors; closing it with 1008.")]
        public static partial void RateLimitAbuse(ILogger logger, long connectionId, string remote, int strikes);

        [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "Connection {ConnectionId}: sending failed unexpectedly; closing it.")]
        public static partial void SendFailed(ILogger logger, Exception exception, long connectionId);

        [LoggerMessage(EventId = 3010, Level = LogLevel.Warning,
            Message = "Connection {ConnectionId} from {Remote} broke the WebSocket protocol: {ProtocolError}; closing it.")]
        public static partial void ProtocolError(ILogger logger, long connectionId, string remote, string protocolError);

        [LoggerMessage(EventId = 3011,
            Message = "Connection {ConnectionId} from {Remote} sent nothing for {KeepAliveSeconds} s after a ping; dropping it.")]
        public static partial void Unresponsive(ILogger logger, LogLevel level, long connectionId, string remote, int keepAliveSeconds);

        [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "Connection {ConnectionId}: handling what it sent failed unexpectedly; closing it.")]
        public static partial void ReceiveFailed(ILogger logger, Exception exception, long connectionId);

        [LoggerMessage(EventId = 3013, Level = LogLevel.Debug, Message = "Connection {ConnectionId} refreshed its token; it now lasts until {ExpiresAt}.")]
        public static partial void Refreshed(ILogger logger, long connectionId, DateTimeOffset expiresAt);

        [LoggerMessage(EventId = 3014, Level = LogLevel.Debug,
            Message = "Connection {ConnectionId} from {Remote} let its token expire without a refresh; closing it with 4001.")]
        public static partial void TokenExpired(ILogger logger, long connectionId, string remote);

        [LoggerMessage(EventId = 3006, Message = "Connection {ConnectionId} opened from {Remote}.")]
        public static partial void Opened(ILogger logger, LogLevel level, long connectionId, string remote);

        [LoggerMessage(EventId = 3007,
            Message = "Connection {ConnectionId} from {Remote} resumed after alert {Since}: window covered it: {Complete}; {Replayed} alerts replayed.")]
        public static partial void Resumed(ILogger logger, LogLevel level, long connectionId, string remote, string since, bool complete, int replayed);
    }
}
