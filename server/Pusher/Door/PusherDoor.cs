using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Metrics;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Fanout;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;
using Notifications.Pusher.Session;
using Notifications.Transport;

namespace Notifications.Pusher.Door;

/// <summary>
/// <c>GET /app/{key}?protocol=7</c>: admitted by the same <see cref="Admission"/> as <c>/ws</c> (stopping,
/// Origin, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP; no connection token, Pusher signs channels instead),
/// upgraded on the same transport, and run as one of our <see cref="Connection"/>s that speaks Pusher's
/// protocol. The app's key, the protocol version and the app's own socket cap are Pusher's to refuse, after
/// the upgrade, with <c>pusher:error</c> and a close code pusher-js acts on.
/// </summary>
internal sealed class PusherDoor(
    PusherApps apps,
    ConnectionServices services,
    PusherPublisher publisher,
    PresenceRoster presence,
    KestrelSocketEndpoint endpoint,
    IOptions<ConnectionOptions> options,
    IOptions<PusherOptions> pusher,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<Connection> logger) : IDialectDoor
{
    /// <summary>Where Pusher clients connect: <c>/app/{key}</c>.</summary>
    public const string PathPrefix = "/app/";

    private readonly ConcurrentDictionary<string, int> _perApp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionOptions> _appOptions = new(StringComparer.Ordinal);
    private readonly int _activityTimeout = pusher.Value.ActivityTimeoutSeconds;

    public bool Open => apps.Enabled;

    /// <summary>The endpoint for Kestrel's requests to <c>/app/{key}</c>.</summary>
    public Task HandleAsync(HttpContext context, string key)
    {
        string? protocol = context.Request.Query["protocol"].FirstOrDefault();
        return endpoint.HandleAsync(context, ownAuthorization: true, (wire, admitted) => ServeAsync(wire, SocketTransport.Kestrel, admitted, key, protocol));
    }

    /// <summary>Runs an admitted, upgraded socket to its end.</summary>
    public Task ServeAsync(SocketWire wire, SocketTransport transport, AdmissionResult admitted, string key, string? protocol)
    {
        var decision = PusherHandshake.Decide(apps, key, protocol);
        var app = decision.App;
        var connection = new Connection(services.Registry.NextId(), admitted.Address, transport, wire, services,
            app is null ? options.Value : OptionsFor(app), clock, metrics, logger);
        var speaker = new PusherConnection(connection, services.Registry, publisher);
        connection.Speak(speaker);
        // Its first frame (established, or the refusal) goes out from this thread, as our own welcome does.
        connection.HoldPump();
        metrics.ConnectionOpened(transport.Label());
        if (app is null)
        {
            speaker.Refuse(decision.Code, decision.Message);
            connection.ReleasePump();
            return connection.RunAsync(services.Registry);
        }
        if (!TakeSlot(app))
        {
            speaker.Refuse(PusherErrorCodes.OverCapacity, $"This app holds {app.Limits.MaxConnections} sockets on this instance, its limit; try again later.");
            connection.ReleasePump();
            return connection.RunAsync(services.Registry);
        }
        speaker.Start(new PusherSession(app, SocketIds.New(), _activityTimeout, speaker, speaker, presence, clock));
        services.Registry.AttachSpeaking(connection);
        Connection.LogOpened(logger, options.Value, connection, null);
        connection.ReleasePump();
        return RunAsync(connection, app);
    }

    private async Task RunAsync(Connection connection, PusherApp app)
    {
        try
        {
            await connection.RunAsync(services.Registry);
        }
        finally
        {
            if (app.Limits.MaxConnections > 0)
                _perApp.AddOrUpdate(app.Id, 0, (_, n) => n - 1);
        }
    }

    private bool TakeSlot(PusherApp app)
    {
        if (app.Limits.MaxConnections <= 0)
            return true;
        if (_perApp.AddOrUpdate(app.Id, 1, (_, n) => n + 1) <= app.Limits.MaxConnections)
            return true;
        _perApp.AddOrUpdate(app.Id, 0, (_, n) => n - 1);
        return false;
    }

    /// <summary>
    /// The connection limits for an app's sockets, whatever WS_MAX_MESSAGE_BYTES says: room for its largest subscribe frame,
    /// and for a client event of twice its limit, so that one a little over gets its 4302 refusal (a close would make
    /// pusher-js reconnect, which on a presence channel every member sees as a leave and a join). Not more: a message
    /// arriving in fragments may hold a buffer of this size.
    /// </summary>
    private ConnectionOptions OptionsFor(PusherApp app) => _appOptions.GetOrAdd(app.Id, _ =>
    {
        var o = options.Value;
        return new ConnectionOptions
        {
            MaxTextLength = o.MaxTextLength,
            MaxMessageBytes = Math.Max(o.MaxMessageBytes, 2 * app.Limits.MaxEventBytes + app.Limits.MaxUserInfoBytes + 2048),
            SendQueueCapacity = o.SendQueueCapacity,
            KeepAliveSeconds = o.KeepAliveSeconds,
            AlertRatePerSecond = o.AlertRatePerSecond,
            AlertBurst = o.AlertBurst,
            RateLimitStrikes = o.RateLimitStrikes,
            LogEachConnection = o.LogEachConnection,
            LogSummarySeconds = o.LogSummarySeconds,
        };
    });
}
