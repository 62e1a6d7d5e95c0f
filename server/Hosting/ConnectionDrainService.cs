using Notifications.Connections;

namespace Notifications.Hosting;

/// <summary>
/// On SIGTERM/SIGINT, as soon as the host starts stopping, tells every socket when to come back
/// (spread over a few seconds) and closes it with 1012, so Kestrel's wait for open requests ends in
/// moments and the queue flush and subscription deletion fit in the budget.
/// </summary>
internal sealed partial class ConnectionDrainService(
    IHostApplicationLifetime lifetime, ConnectionRegistry connections, ILogger<ConnectionDrainService> logger) : IHostedService
{
    /// <summary>Pages are told to wait a random time up to this before reconnecting, so a restart is no thundering herd.</summary>
    public static readonly TimeSpan ReconnectSpread = TimeSpan.FromSeconds(3);

    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            Log.Draining(logger, connections.Count);
            connections.ShutDownAll(ReconnectSpread);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _registration.DisposeAsync().AsTask();

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Shutting down: closing {Connections} sockets with 1012 and a reconnect hint.")]
        public static partial void Draining(ILogger logger, int connections);
    }
}
