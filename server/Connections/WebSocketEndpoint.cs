using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Fleet;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// <c>GET /ws[?since=&lt;last alert id&gt;]</c>: accepts the upgrade, attaches the connection (welcome,
/// replay, then live alerts) and runs it to its end. Refuses upgrades with 503 once shutdown begins.
/// </summary>
internal sealed class WebSocketEndpoint(
    Admission admission,
    ConnectionRegistry registry,
    AlertFanout fanout,
    OutboundAlerts outbound,
    FleetDirectory fleet,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<InstanceOptions> instanceOptions,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<Connection> logger)
{
    public const string Path = "/ws";
    private const int MaxSinceLength = 128;
    private readonly ConnectionOptions _options = connectionOptions.Value;
    private readonly InstanceOptions _instance = instanceOptions.Value;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "This endpoint speaks WebSocket only: send an upgrade request.");
            return;
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "This instance is shutting down; connect again to reach another.");
            return;
        }
        string? since = context.Request.Query["since"].FirstOrDefault();
        if (!IsValidSince(since))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"since must be an alert id of at most {MaxSinceLength} characters.");
            return;
        }

        var admitted = admission.Admit(context);
        if (!admitted.Admitted)
        {
            metrics.ConnectionRefused(admitted.Status);
            await RefuseAsync(context, admitted.Status, admitted.Reason!);
            return;
        }
        try
        {
            await RunAsync(context, admitted.Address, since);
        }
        finally
        {
            admission.Release(admitted.Address);
        }
    }

    /// <summary>
    /// ASP.NET does the handshake (its checks, its errors, HTTP/2's extended CONNECT); the connection then
    /// speaks WebSocket itself on the upgraded stream. ASP.NET's own WebSocket object is never used: with
    /// no keep-alive it does nothing unless called, and disposing it closes the stream at the end.
    /// </summary>
    private async Task RunAsync(HttpContext context, string remote, string? since)
    {
        using var unused = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var stream = context.Features.Get<UpgradeCapture>()?.Stream
            ?? throw new InvalidOperationException($"{nameof(UpgradeCapture)} must run before UseWebSockets.");
        await ServeAsync(new StreamWire(stream, context), remote, since);
    }

    /// <summary>
    /// Runs an accepted socket, however it was upgraded: attaches it (welcome, replay, then live
    /// alerts) and runs it to its end.
    /// </summary>
    public Task ServeAsync(SocketWire wire, string remote, string? since)
    {
        // An empty since (a page with nothing seen yet) is a fresh start, not a resume.
        since = string.IsNullOrEmpty(since) ? null : since;
        var (connection, resume) = fanout.Attach(
            upFront => new Connection(registry.NextId(), remote, wire, outbound, _options, upFront, clock, metrics, logger), since, Welcome);
        metrics.ConnectionOpened();
        Connection.LogOpened(logger, connection, resume);
        // Not awaited here: one fewer async frame held per socket. The connection leaves the registry itself.
        return connection.RunAsync(registry);
    }

    /// <summary>A resume point is an alert id; anything longer than any id is refused before the upgrade.</summary>
    public static bool IsValidSince(string? since) => since is not { Length: > MaxSinceLength };

    private SocketFrame Welcome(ResumeReport? resume)
    {
        var presence = fleet.Presence(registry.Count + 1);
        return Frames.Welcome(new WelcomeMessage(_instance.InstanceId, _instance.Region, clock.GetUtcNow(),
            _options.MaxTextLength, registry.Count + 1, presence.Clients, presence.Instances, resume));
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(message, context.RequestAborted);
    }
}
