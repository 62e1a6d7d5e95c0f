using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Demo;

public static partial class DemoExtensions
{
    public const string TokenPath = "/demo/token";
    public const string JobsPath = "/demo/jobs";

    /// <summary>
    /// The demo's parts, when <c>DEMO_ENABLED</c> or <c>DEV_TOKENS</c> is on; nothing otherwise. With the demo on, the
    /// publish API also accepts the demo's key. The host registers <see cref="DemoOptions"/> (validated at boot) itself.
    /// </summary>
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        var demo = configuration.Get<DemoOptions>() ?? new DemoOptions();
        if (!demo.Enabled && !demo.DevTokens)
            return services;
        services.AddSingleton<DevTokenIssuer>();
        services.AddSingleton(s => new DemoKey(s.GetRequiredService<IOptions<AuthOptions>>().Value.Hs256Secret!));
        if (demo.Enabled)
            services.AddSingleton(s => s.GetRequiredService<DemoKey>().Key);
        services.AddSingleton<JobLauncher>();
        services.AddSingleton<DemoEndpoints>();
        return services;
    }

    /// <summary><c>POST /demo/token</c> when <c>DEV_TOKENS</c> is on, <c>POST /demo/jobs</c> when <c>DEMO_ENABLED</c> is; when off they do not exist (404).</summary>
    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app)
    {
        var demo = app.ServiceProvider.GetRequiredService<IOptions<DemoOptions>>().Value;
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Notifications.Demo");
        if (demo.DevTokens)
        {
            Log.DevTokens(logger);
            app.MapPost(TokenPath, (HttpContext context, DemoEndpoints endpoints) => endpoints.IssueTokenAsync(context))
                .ExcludeFromDescription();
        }
        if (demo.Enabled)
        {
            Log.DemoEnabled(logger);
            app.MapPost(JobsPath, (HttpContext context, DemoEndpoints endpoints) => endpoints.StartJobAsync(context))
                .ExcludeFromDescription();
        }
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5004, Level = LogLevel.Warning,
            Message = "DEV_TOKENS is on: POST /demo/token signs a connection token for any user who asks. Never in production.")]
        public static partial void DevTokens(ILogger logger);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Warning,
            Message = "DEMO_ENABLED is on: POST /demo/jobs starts the demo's job runner on request. Never in production.")]
        public static partial void DemoEnabled(ILogger logger);
    }
}
