using Grpc.Core;

namespace Notifications.Bus.PubSub;

internal sealed partial class PubSubBus
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Created topic {Topic}.")]
        public static partial void TopicCreated(ILogger logger, string topic);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Created subscription {Subscription} on {Topic}.")]
        public static partial void SubscriptionCreated(ILogger logger, string subscription, string topic);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
            Message = "Subscription {Subscription} survives from an earlier run; replacing it so its stale backlog is not replayed.")]
        public static partial void ReplacingStaleSubscription(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Deleted subscription {Subscription}.")]
        public static partial void SubscriptionDeleted(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Subscription {Subscription} was already gone at shutdown.")]
        public static partial void SubscriptionAlreadyGone(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
            Message = "Could not delete subscription {Subscription}; it expires by itself after a day unused.")]
        public static partial void SubscriptionDeleteFailed(ILogger logger, string subscription, Exception exception);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Subscription {Subscription} no longer exists; recreating it.")]
        public static partial void SubscriptionMissing(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "The pull stream on {Subscription} ended; reopening it.")]
        public static partial void StreamEnded(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Restarted the pull stream on {Subscription}: {Reason}.")]
        public static partial void StreamRestarted(ILogger logger, string subscription, string reason);

        [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Pub/Sub {Operation} failed with {StatusCode}: {Detail}. Retrying with backoff.")]
        public static partial void BusCallFailed(ILogger logger, string operation, StatusCode statusCode, string detail);

        [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Publishing to {Topic} failed with {StatusCode}.")]
        public static partial void PublishFailed(ILogger logger, string topic, StatusCode statusCode, Exception exception);

        [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "Relaying topic message {MessageId} failed; it is acknowledged and dropped.")]
        public static partial void HandlerFailed(ILogger logger, string messageId, Exception exception);
    }
}
