using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Notifications.Hosting;

internal static class LoggingExtensions
{
    /// <summary>
    /// Serilog for the host: readable console locally, compact JSON in Production, and the instance
    /// and region on every event. <c>LOG_LEVEL</c> sets the minimum level; sinks registered in DI
    /// (tests add one) receive events too.
    /// </summary>
    public static void AddNotificationsLogging(this WebApplicationBuilder builder)
    {
        var level = ParseLevel(builder.Configuration["LOG_LEVEL"]);
        // Only an explicit ASPNETCORE_ENVIRONMENT=Production switches to JSON; a bare local run stays readable.
        bool json = string.Equals(builder.Configuration["environment"], Environments.Production, StringComparison.OrdinalIgnoreCase);
        builder.Services.AddSerilog((services, logger) =>
        {
            var instance = services.GetRequiredService<IOptions<InstanceOptions>>().Value;
            logger.MinimumLevel.Is(level)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Instance", instance.InstanceId)
                .Enrich.WithProperty("Region", instance.Region)
                .ReadFrom.Services(services);
            if (json)
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Region}/{Instance} {Message:lj}{NewLine}{Exception}");
        }, preserveStaticLogger: true);
    }

    public static void UseNotificationsRequestLogging(this WebApplication app) =>
        app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Warning : LogEventLevel.Debug);

    private static LogEventLevel ParseLevel(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return LogEventLevel.Information;
        if (Enum.TryParse<LogEventLevel>(raw, ignoreCase: true, out var level) && Enum.IsDefined(level))
            return level;
        throw new OptionsValidationException("LOG_LEVEL", typeof(LogEventLevel),
            [$"LOG_LEVEL must be one of Verbose, Debug, Information, Warning, Error, Fatal, not '{raw}'."]);
    }
}
