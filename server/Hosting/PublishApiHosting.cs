using Microsoft.Extensions.Options;
using Notifications.Api;
using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Demo;

namespace Notifications.Hosting;

/// <summary>The publish API for backends, its OpenAPI document, and the job demo (off unless switched on).</summary>
internal static class PublishApiHosting
{
    public const string OpenApiPath = "/openapi/v1.json";

    public static WebApplicationBuilder AddNotificationsPublishApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PublishApiOptions>().Bind(builder.Configuration).CheckedAtBoot<PublishApiOptions, PublishApiAnnotationsValidator>();
        services.AddSingleton<IValidateOptions<PublishApiOptions>, PublishApiOptionsValidator>();
        services.AddOptions<DemoOptions>().Bind(builder.Configuration).CheckedAtBoot<DemoOptions, DemoAnnotationsValidator>();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>();
        services.AddSingleton<IChannelPublisher, ApiAlerts>();
        services.AddPublishApi();
        services.AddDemo(builder.Configuration);
        services.AddPublishApiDocument();
        return builder;
    }

    public static WebApplication MapNotificationsPublishApi(this WebApplication app)
    {
        app.MapPublishApi();
        app.MapDemo();
        app.MapOpenApi(OpenApiPath);
        return app;
    }
}
