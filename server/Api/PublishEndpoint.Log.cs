namespace Notifications.Api;

internal sealed partial class PublishEndpoint
{
    // Debug only: a busy backend makes many requests, and the metrics count them all. Keys appear by name, never by secret.
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Publish API refused a request from key {KeyName}: {Status} {Code}.")]
        public static partial void Refused(ILogger logger, string keyName, int status, string code);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Publish API refused a request without a known key from {RemoteAddress}: {Status} {Code}.")]
        public static partial void RefusedStranger(ILogger logger, string remoteAddress, int status, string code);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Publish API: key {KeyName} had {Accepted} of {Count} alerts accepted.")]
        public static partial void Published(ILogger logger, string keyName, int accepted, int count);
    }
}
