using Notifications.Connections;

namespace Notifications.Hosting;

/// <summary>
/// On SIGTERM/SIGINT, closes every socket with 1001 as soon as the host starts stopping, so Kestrel's
/// wait for open requests ends in moments and the subscription can be deleted within the budget.
/// </summary>
internal sealed partial class ConnectionDrainService(
    IHostApplicationLifetime lifetime, ConnectionRegistry connections, ILogger<ConnectionDrainService> logger) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            Log.Draining(logger, connections.Count);
            connections.CloseAll(CloseReason.ServerShutdown);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _registration.DisposeAsync().AsTask();

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Shutting down: closing {Connections} sockets with 1001.")]
        public static partial void Draining(ILogger logger, int connections);
    }
}
