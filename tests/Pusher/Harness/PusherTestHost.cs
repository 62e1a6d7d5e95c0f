using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Notifications.Pusher.Api;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Auth;
using Notifications.Pusher.Protocol;
using Notifications.Pusher.Session;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>
/// A tiny Kestrel host on 127.0.0.1 that puts the phase-1 units behind real endpoints, so the real clients
/// can talk to them before phase 2 wires them into the server: <c>/app/{key}</c> (a <see cref="PusherSession"/>
/// per socket on a <see cref="TestHub"/>), the HTTP API under <c>/apps/{id}</c> (the verifier, the body reader,
/// the queries), a Laravel-style <c>/broadcasting/auth</c> signing with the Node SDK, and the Echo page.
/// </summary>
internal sealed partial class PusherTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PusherTestHost(WebApplication app, TestHub hub)
    {
        _app = app;
        Hub = hub;
    }

    public TestHub Hub { get; }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Every HTTP API verdict, in order, for the tests to inspect.</summary>
    public ConcurrentQueue<ApiVerdict> Verdicts { get; } = new();

    /// <summary>Every event the HTTP API accepted, in order.</summary>
    public ConcurrentQueue<Notifications.Pusher.Events.PusherEvent> Published { get; } = new();

    public static async Task<PusherTestHost> StartAsync(PusherApps apps, TestHub hub, Signer? signer = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var host = new PusherTestHost(app, hub);
        app.UseWebSockets();
        app.Map("/app/{key}", (HttpContext c, string key) => host.SocketAsync(c, apps, key));
        app.MapPost("/broadcasting/auth", (Delegate)((HttpContext c) => AuthorizeAsync(c, signer)));
        app.MapPost("/apps/{appId}/events", (HttpContext c, string appId) => host.TriggerAsync(c, apps, appId, batch: false));
        app.MapPost("/apps/{appId}/batch_events", (HttpContext c, string appId) => host.TriggerAsync(c, apps, appId, batch: true));
        app.MapGet("/apps/{appId}/channels", (HttpContext c, string appId) =>
            host.QueryAsync(c, apps, appId, a => ApiQueries.Channels(a, c.Request.Query["filter_by_prefix"], c.Request.Query["info"], hub, hub.Roster)));
        app.MapGet("/apps/{appId}/channels/{name}", (HttpContext c, string appId, string name) =>
            host.QueryAsync(c, apps, appId, a => ApiQueries.Channel(a, name, c.Request.Query["info"], hub, hub.Roster)));
        app.MapGet("/apps/{appId}/channels/{name}/users", (HttpContext c, string appId, string name) =>
            host.QueryAsync(c, apps, appId, a => ApiQueries.Users(a, name, hub.Roster)));
        MapPage(app);
        app.MapGet("/favicon.ico", () => Results.NoContent());
        await app.StartAsync(TestContext.Current.CancellationToken);
        host.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return host;
    }

    /// <summary>The Echo page for a user, pointed at this host.</summary>
    public Uri PageUri(string key, string user, string name) =>
        new(BaseUri, $"/echo.html?key={key}&host=127.0.0.1&port={BaseUri.Port}&user={Uri.EscapeDataString(user)}&name={Uri.EscapeDataString(name)}");

    internal static void MapPage(WebApplication app)
    {
        string js = PusherClients.Directory, modules = PusherClients.NodeModules;
        app.MapGet("/echo.html", () => Results.File(Path.Combine(js, "page", "echo.html"), "text/html"));
        app.MapGet("/echo-page.js", () => Results.File(Path.Combine(js, "page", "echo-page.js"), "text/javascript"));
        app.MapGet("/js/pusher.min.js", () => Results.File(Path.Combine(modules, "pusher-js", "dist", "web", "pusher.min.js"), "text/javascript"));
        app.MapGet("/js/echo.iife.js", () => Results.File(Path.Combine(modules, "laravel-echo", "dist", "echo.iife.js"), "text/javascript"));
    }

    private async Task SocketAsync(HttpContext context, PusherApps apps, string key)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var decision = PusherHandshake.Decide(apps, key, context.Request.Query["protocol"]);
        if (decision.App is not { } app)
        {
            await socket.SendAsync(decision.ErrorFrame(), WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.CloseOutputAsync((WebSocketCloseStatus)decision.Code, decision.Message, context.RequestAborted);
            return;
        }
        var connection = new HubSocket(socket, Hub, SocketIds.New());
        var session = new PusherSession(app, connection.SocketId, 30, connection, connection, Hub.Roster, TimeProvider.System);
        var sending = connection.SendLoopAsync(context.RequestAborted);
        session.Start();
        await ReceiveAsync(socket, session, context.RequestAborted);
        session.End();
        connection.Complete();
        await sending;
    }

    private static async Task ReceiveAsync(WebSocket socket, PusherSession session, CancellationToken cancellation)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellation);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);
                if (result.MessageType == WebSocketMessageType.Close)
                    return;
                session.Receive(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The page went away.
        }
    }

    /// <summary>Laravel's /broadcasting/auth: the form's socket_id and channel_name, signed for the page's user (user <c>forbidden</c> gets 403, as a Laravel channel callback returning false would).</summary>
    internal static async Task<IResult> AuthorizeAsync(HttpContext context, Signer? signer)
    {
        var form = await context.Request.ReadFormAsync();
        string channel = form["channel_name"].ToString(), user = form["user_id"].ToString();
        if (user == "forbidden" || signer is null)
            return Results.StatusCode(403);
        JsonNode? channelData = channel.StartsWith("presence-", StringComparison.Ordinal)
            ? new JsonObject { ["user_id"] = int.TryParse(user, out int id) ? id : user, ["user_info"] = new JsonObject { ["name"] = form["name"].ToString() } }
            : null;
        // A backend with a bug: it signs for a socket that is not the one asking.
        string socketId = user == "wrong-socket" ? "1.1" : form["socket_id"].ToString();
        return Results.Json(await signer.AuthorizeChannelAsync(socketId, channel, channelData));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
