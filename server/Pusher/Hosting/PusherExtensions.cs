using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Delivery;
using Notifications.Pusher.Api;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Census;
using Notifications.Pusher.Door;
using Notifications.Pusher.Fanout;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Hosting;

public static class PusherExtensions
{
    /// <summary>
    /// The Pusher door's parts: the apps, the presence roster, the census, its bus messages. Registered whether
    /// or not <c>PUSHER_APPS</c> names any app, so bus traffic from instances that serve Pusher is understood
    /// (and dropped harmlessly) by those that do not.
    /// </summary>
    public static IServiceCollection AddNotificationsPusher(this IServiceCollection services)
    {
        services.AddSingleton(s => PusherApps.From(s.GetRequiredService<IOptions<PusherOptions>>().Value));
        services.AddSingleton<PusherPublisher>();
        services.AddHostedService(s => s.GetRequiredService<PusherPublisher>());
        services.AddSingleton<IPresenceOutlet, PresenceOutlet>();
        services.AddSingleton(s =>
        {
            var instance = s.GetRequiredService<IOptions<InstanceOptions>>().Value;
            var clock = s.GetRequiredService<TimeProvider>();
            return new PresenceRoster(instance.InstanceId, clock.GetUtcNow().ToUnixTimeMilliseconds(), s.GetRequiredService<IPresenceOutlet>(), clock,
                s.GetRequiredService<IOptions<FleetOptions>>().Value.HeartbeatInterval);
        });
        services.AddSingleton<FleetCensus>();
        services.AddSingleton<PusherFanout>();
        services.AddSingleton<IBusMessageRelay, PusherRelay>();
        services.AddSingleton<IAlertDialect, PusherAlertFrames>();
        services.AddSingleton<PusherDoor>();
        services.AddSingleton<IDialectDoor>(s => s.GetRequiredService<PusherDoor>());
        services.AddSingleton<PusherApi>();
        services.AddHostedService<PusherHeartbeatService>();
        return services;
    }

    /// <summary><c>/app/{key}</c> (sockets) and the HTTP API under <c>/apps/{id}</c>, when <c>PUSHER_APPS</c> names any app.</summary>
    public static WebApplication MapPusher(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<PusherApps>().Enabled)
            return app;
        app.Map(PusherDoor.PathPrefix + "{key}", (HttpContext context, string key, PusherDoor door) => door.HandleAsync(context, key));
        var api = app.MapGroup("/apps/{appId}");
        api.MapPost("/events", (HttpContext context, string appId, PusherApi pusher) => pusher.TriggerAsync(context, appId, batch: false));
        api.MapPost("/batch_events", (HttpContext context, string appId, PusherApi pusher) => pusher.TriggerAsync(context, appId, batch: true));
        api.MapGet("/channels", (HttpContext context, string appId, PusherApi pusher) => pusher.Channels(context, appId));
        api.MapGet("/channels/{name}", (HttpContext context, string appId, string name, PusherApi pusher) => pusher.Channel(context, appId, name));
        api.MapGet("/channels/{name}/users", (HttpContext context, string appId, string name, PusherApi pusher) => pusher.Users(context, appId, name));
        return app;
    }
}
