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

        [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Deleted subscription {Subscription}.")]
        public static partial void SubscriptionDeleted(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Subscription {Subscription} was already gone at shutdown.")]
        public static partial void SubscriptionAlreadyGone(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Subscription {Subscription} was never created; nothing to delete.")]
        public static partial void NothingToDelete(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Subscription {Subscription} no longer exists; recreating it.")]
        public static partial void SubscriptionMissing(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "The pull stream on {Subscription} ended with {StatusCode}; reopening it.")]
        public static partial void StreamEnded(ILogger logger, string subscription, StatusCode statusCode);

        [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Restarted the pull stream on {Subscription}: {Reason}.")]
        public static partial void StreamRestarted(ILogger logger, string subscription, string reason);

        [LoggerMessage(EventId = 1014, Level = LogLevel.Warning,
            Message = "Subscription {Subscription} was there after all: Pub/Sub answered NOT_FOUND for it, then ALREADY_EXISTS when it was made again. Nothing was missed.")]
        public static partial void SubscriptionFound(ILogger logger, string subscription);

        [LoggerMessage(EventId = 1015, Level = LogLevel.Warning,
            Message = "Subscription {Subscription} is attached to {Attached}, not {Topic}: the topic was deleted, and nothing reaches the subscription any more. Deleting it and making it again on the topic.")]
        public static partial void SubscriptionDetached(ILogger logger, string subscription, string attached, string topic);

        [LoggerMessage(EventId = 1016, Level = LogLevel.Information,
            Message = "Could not check which topic subscription {Subscription} is attached to ({StatusCode}); reopening the stream as it is.")]
        public static partial void AttachmentUnchecked(ILogger logger, string subscription, StatusCode statusCode);

        [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "The receive loop failed unexpectedly; reopening the stream.")]
        public static partial void ReceiveLoopFailed(ILogger logger, Exception exception);
    }
}
