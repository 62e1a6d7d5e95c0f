using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// Runs an accepted socket, however it arrived: makes its connection (signed in if its token said who it
/// is), joins it to the alert feed (welcome, replay, then live alerts), counts it, and runs it to its end.
/// </summary>
internal sealed class ConnectionHost(
    ConnectionServices services,
    IOptions<ConnectionOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<Connection> logger)
{
    private readonly ConnectionOptions _options = options.Value;

    /// <summary>Completes when the connection is over; it leaves the registry itself.</summary>
    /// <param name="admitted">What admission decided: the client address it counted the socket under, and its identity.</param>
    /// <param name="since">The last alert the client saw; null or empty for a fresh start.</param>
    public Task ServeAsync(SocketWire wire, SocketTransport transport, in AdmissionResult admitted, string? since)
    {
        var connection = new Connection(services.Registry.NextId(), admitted.Address, transport, wire, services, _options, clock, metrics, logger, admitted.Identity);
        connection.HoldPump();
        // An empty since (a page with nothing seen yet) is a fresh start, not a resume.
        var resume = services.Feed.Join(connection, string.IsNullOrEmpty(since) ? null : since);
        metrics.ConnectionOpened(transport.Label());
        Connection.LogOpened(logger, _options, connection, resume);
        // The welcome (and replay) goes out from this thread, after the feed's lock is released.
        connection.ReleasePump();
        // Not awaited here: one fewer async frame held per socket.
        return connection.RunAsync(services.Registry);
    }
}
