using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// Runs an accepted socket, however it arrived: makes its connection, joins it to the alert feed
/// (welcome, replay, then live alerts), counts it, and runs it to its end.
/// </summary>
internal sealed class ConnectionHost(
    ConnectionRegistry registry,
    IAlertFeed feed,
    IAlertIntake alerts,
    IOptions<ConnectionOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<Connection> logger)
{
    private readonly ConnectionOptions _options = options.Value;

    /// <summary>Completes when the connection is over; it leaves the registry itself.</summary>
    /// <param name="address">The client address admission counted it under.</param>
    /// <param name="since">The last alert the client saw; null or empty for a fresh start.</param>
    public Task ServeAsync(SocketWire wire, SocketTransport transport, string address, string? since)
    {
        var connection = new Connection(registry.NextId(), address, transport, wire, alerts, _options, clock, metrics, logger);
        // An empty since (a page with nothing seen yet) is a fresh start, not a resume.
        var resume = feed.Join(connection, string.IsNullOrEmpty(since) ? null : since);
        metrics.ConnectionOpened(transport.Label());
        Connection.LogOpened(logger, _options, connection, resume);
        // Not awaited here: one fewer async frame held per socket.
        return connection.RunAsync(registry);
    }
}
