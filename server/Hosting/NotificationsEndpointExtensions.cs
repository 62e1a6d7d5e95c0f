using Microsoft.Net.Http.Headers;
using Notifications.Connections;

namespace Notifications.Hosting;

public static class NotificationsEndpointExtensions
{
    /// <summary>The page at <c>/</c>, the socket at <c>/ws</c>, readiness at <c>/healthz</c>, liveness at <c>/livez</c>.</summary>
    public static WebApplication MapNotifications(this WebApplication app)
    {
        app.UseNotificationsRequestLogging(except: WebSocketEndpoint.Path);
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Short, revalidated caching: every instance serves the same bytes (same ETag), and a deploy shows up within a minute.
            OnPrepareResponse = context =>
                context.Context.Response.Headers[HeaderNames.CacheControl] = "public, max-age=60, must-revalidate",
        });
        app.Use(UpgradeCapture.Install);
        app.UseWebSockets();
        app.Map(WebSocketEndpoint.Path, (HttpContext context, WebSocketEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapHealth();
        app.MapLiveness();
        app.LogStartup();
        return app;
    }
}
