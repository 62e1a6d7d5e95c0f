using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Connections;

/// <summary><c>GET /ws</c>: accepts the upgrade, registers the connection and runs it to its end.</summary>
internal sealed class WebSocketEndpoint(
    ConnectionRegistry registry,
    AlertPublisher publisher,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<InstanceOptions> instanceOptions,
    TimeProvider clock,
    ILogger<Connection> logger)
{
    private readonly ConnectionOptions _options = connectionOptions.Value;
    private readonly InstanceOptions _instance = instanceOptions.Value;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This endpoint speaks WebSocket only: send an upgrade request.", context.RequestAborted);
            return;
        }

        var keepAlive = TimeSpan.FromSeconds(_options.KeepAliveSeconds);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = keepAlive,
            KeepAliveTimeout = keepAlive,
        });

        string remote = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var connection = new Connection(registry.NextId(), remote, socket, publisher, _options, clock, logger);
        registry.Add(connection);
        try
        {
            Connection.LogOpened(logger, connection);
            await connection.RunAsync(Frames.Welcome(Welcome()), context.RequestAborted);
        }
        finally
        {
            registry.Remove(connection);
        }
    }

    private WelcomeMessage Welcome() =>
        new(_instance.InstanceId, _instance.Region, clock.GetUtcNow(), _options.MaxTextLength, registry.Count);
}
