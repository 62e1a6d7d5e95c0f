using System.Net.Sockets;

namespace Notifications.Transport;

internal sealed partial class BareSocketListener
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}); retrying in 100 ms.")]
        public static partial void AcceptFailed(ILogger logger, Exception exception, SocketError error);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Accepting a connection failed; retrying in 100 ms.")]
        public static partial void AcceptFailedUnexpectedly(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Taking a new connection failed; it was closed.")]
        public static partial void UpgradeFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{Count} sockets were still open at the shutdown deadline; aborting them.")]
        public static partial void SocketsLeftOpen(ILogger logger, int count);
    }
}
