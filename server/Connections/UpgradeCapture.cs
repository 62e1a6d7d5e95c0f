using Microsoft.AspNetCore.Http.Features;

namespace Notifications.Connections;

/// <summary>
/// Lets the socket endpoint reach the stream ASP.NET upgrades a request to: wraps the upgrade
/// features to keep it. ASP.NET still does the handshake, its checks and its errors.
/// </summary>
internal sealed class UpgradeCapture
{
    public Stream? Stream { get; private set; }

    /// <summary>Middleware that must run before <c>UseWebSockets</c>, which reads these features when a request arrives.</summary>
    public static Task Install(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.Equals(WebSocketEndpoint.Path, StringComparison.Ordinal))
            return next(context);
        var capture = new UpgradeCapture();
        if (context.Features.Get<IHttpUpgradeFeature>() is { } upgrade)
            context.Features.Set<IHttpUpgradeFeature>(new Upgrade(upgrade, capture));
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { } connect)
            context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(connect, capture));
        context.Features.Set(capture);
        return next(context);
    }

    private Stream Capture(Stream stream) => Stream = stream;

    /// <summary>HTTP/1.1 <c>Upgrade: websocket</c>.</summary>
    private sealed class Upgrade(IHttpUpgradeFeature inner, UpgradeCapture capture) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => capture.Capture(await inner.UpgradeAsync());
    }

    /// <summary>HTTP/2 extended CONNECT (RFC 8441).</summary>
    private sealed class ExtendedConnect(IHttpExtendedConnectFeature inner, UpgradeCapture capture) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => capture.Capture(await inner.AcceptAsync());
    }
}
