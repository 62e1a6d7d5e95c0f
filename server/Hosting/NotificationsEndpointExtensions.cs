using Microsoft.Net.Http.Headers;
using Notifications.Connections;
using Notifications.Pusher.Hosting;
using Notifications.Transport;

namespace Notifications.Hosting;

public static class NotificationsEndpointExtensions
{
    /// <summary>The page at <c>/</c>, the socket at <c>/ws</c>, readiness at <c>/healthz</c>, liveness at <c>/livez</c>.</summary>
    public static WebApplication MapNotifications(this WebApplication app)
    {
        app.UseNotificationsRequestLogging();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Short, revalidated caching: every instance serves the same bytes (same ETag), and a deploy shows up within a minute.
            OnPrepareResponse = context =>
                context.Context.Response.Headers[HeaderNames.CacheControl] = "public, max-age=60, must-revalidate",
        });
        app.Map(SocketPath.Value, (HttpContext context, KestrelSocketEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapPusher();
        app.MapHealth();
        app.MapLiveness();
        app.MapNotificationsPublishApi();
        // Before anything listens: every socket is a file.
        app.LogStartup(OpenFileLimit.Raise());
        return app;
    }
}
