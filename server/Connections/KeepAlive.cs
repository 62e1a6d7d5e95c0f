using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Connections;

/// <summary>
/// Every <c>WS_KEEPALIVE_SECONDS</c>, pings each socket and drops those that sent nothing since the
/// previous round's ping (<see cref="Connection.CheckAlive"/>). One timer serves every socket, so an
/// idle socket holds no timer of its own. Each round is spread over the interval in
/// <see cref="Slices"/> steps: pinging every socket at once would bring every pong back at once, and
/// each read in flight holds a buffer until it is handled.
/// </summary>
internal sealed class KeepAlive(ConnectionRegistry registry, IOptions<ConnectionOptions> options, TimeProvider clock) : BackgroundService
{
    public const int Slices = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.KeepAliveSeconds) / Slices, clock);
        try
        {
            for (int slice = 0; await timer.WaitForNextTickAsync(stoppingToken); slice = (slice + 1) % Slices)
                registry.CheckAlive(slice, Slices);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the drain closes every socket.
        }
    }
}
