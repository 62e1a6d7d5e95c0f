using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Notifications.Connections;
using Notifications.Metrics;
using Notifications.WebSockets;

namespace Notifications.Transport;

/// <summary>
/// <c>GET /ws[?since=&lt;last alert id&gt;]</c> as Kestrel hands it over: every handshake when
/// <c>WS_BARE_SOCKETS</c> is off, else those the bare socket left (refusals, unusual heads, HTTP/2's
/// extended CONNECT). It asks <see cref="Admission"/>, as the bare socket does, answers a refusal with
/// its status and reason, or upgrades through Kestrel's own feature and runs the connection on the
/// upgraded stream to its end. ASP.NET's WebSocket middleware is not used: its checks and answers
/// would be a second decision, and its WebSocket object would live as long as the socket.
/// </summary>
internal sealed class KestrelSocketEndpoint(Admission admission, ConnectionHost host, NotificationsMetrics metrics)
{
    public Task HandleAsync(HttpContext context)
    {
        string? since = context.Request.Query["since"].FirstOrDefault();
        return HandleAsync(context, ownAuthorization: false, (wire, admitted) => host.ServeAsync(wire, SocketTransport.Kestrel, admitted, since));
    }

    /// <summary>
    /// The same admission and upgrade for another door (Pusher's <c>/app/{key}</c>), which runs the upgraded
    /// socket with <paramref name="serve"/>; <paramref name="ownAuthorization"/> says the door needs no connection token.
    /// </summary>
    public async Task HandleAsync(HttpContext context, bool ownAuthorization, Func<SocketWire, AdmissionResult, Task> serve)
    {
        var request = context.Request;
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        var handshake = new HandshakeRequest(request.Method, request.Protocol, request.Host.HasValue ? request.Host.Value : null,
            Header(request, HeaderNames.Upgrade), Header(request, HeaderNames.Connection), Header(request, HeaderNames.SecWebSocketVersion),
            Header(request, HeaderNames.SecWebSocketKey), connect?.IsExtendedConnect == true ? connect.Protocol : null);
        string? since = request.Query["since"].FirstOrDefault();
        var admitted = await admission.AdmitAsync(new AdmissionRequest(handshake, Header(request, HeaderNames.Origin), since,
            request.Query.ContainsKey("token"), Header(request, HeaderNames.Authorization), Header(request, HeaderNames.SecWebSocketProtocol),
            context.Connection.RemoteIpAddress, Header(request, "Fly-Client-IP"), ownAuthorization), context.RequestAborted);
        if (!admitted.Admitted)
        {
            await RefuseAsync(context, admitted.Status, admitted.Reason!, admitted.Refusal!);
            return;
        }
        try
        {
            var stream = await UpgradeAsync(context, handshake, connect, admitted.Protocol);
            if (stream is null)
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "This request cannot be upgraded.", "not_upgradable");
                return;
            }
            await serve(new StreamWire(stream, context), admitted);
        }
        finally
        {
            admission.Release(admitted.Address);
        }
    }

    /// <summary>
    /// The 101 (or HTTP/2's 200) with its headers, through Kestrel's upgrade feature; null if Kestrel
    /// says this request cannot be upgraded after all.
    /// </summary>
    private static async Task<Stream?> UpgradeAsync(HttpContext context, HandshakeRequest handshake, IHttpExtendedConnectFeature? connect, string? subprotocol)
    {
        var headers = context.Response.Headers;
        if (subprotocol is not null)
            headers.SecWebSocketProtocol = subprotocol;
        if (connect is { IsExtendedConnect: true })
            return await connect.AcceptAsync();
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } upgrade)
            return null;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = Handshake.AcceptKey(handshake.Key!);
        return await upgrade.UpgradeAsync();
    }

    private async Task RefuseAsync(HttpContext context, int status, string reason, string refusal)
    {
        metrics.ConnectionRefused(status, refusal);
        context.Response.StatusCode = status;
        if (status == Handshake.UpgradeRequired)
        {
            context.Response.Headers.SecWebSocketVersion = Handshake.Version;
            context.Response.Headers.Upgrade = "websocket";
        }
        if (status == StatusCodes.Status401Unauthorized)
            context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync(reason, context.RequestAborted);
    }

    /// <summary>A header as the bare socket's parser reads it: absent is null, several values are joined as Kestrel joins them.</summary>
    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;
}
