using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Notifications.Hosting;

internal static class LoggingExtensions
{
    private const int LogBufferEvents = 10_000;

    /// <summary>
    /// Serilog for the host: readable console locally, compact JSON in Production, and the instance
    /// and region on every event. <c>LOG_LEVEL</c> sets the minimum level; sinks registered in DI
    /// (tests add one) receive events too. Connections are summed up in one line per interval
    /// (<see cref="ConnectionSummaryLog"/>), not a line each.
    /// </summary>
    public static void AddNotificationsLogging(this WebApplicationBuilder builder)
    {
        var level = ParseLevel(builder.Configuration["LOG_LEVEL"]);
        // Only an explicit ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) of Production switches to JSON; a bare local run,
        // which the host also calls Production, stays readable, and an unrelated ENVIRONMENT variable changes nothing.
        bool named = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is not null || Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is not null;
        bool json = named && builder.Environment.IsProduction();
        builder.Services.AddSerilog((services, logger) =>
        {
            var instance = services.GetRequiredService<IOptions<InstanceOptions>>().Value;
            logger.MinimumLevel.Is(level)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                // Off, not just quiet: while this category is enabled at any level, ASP.NET creates an
                // Activity and a log scope per request, which a WebSocket keeps for its whole life.
                // It only logs request start and finish; our request log says more.
                .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Instance", instance.InstanceId)
                .Enrich.WithProperty("Region", instance.Region)
                .ReadFrom.Services(services);
            // Written by a background worker: a connection never waits on formatting or on stdout. If a
            // burst outruns it by LogBufferEvents, further events are dropped rather than stalling sockets.
            logger.WriteTo.Async(sink =>
            {
                if (json)
                    sink.Console(new RenderedCompactJsonFormatter());
                else
                    sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Region}/{Instance} {Message:lj}{NewLine}{Exception}");
            }, bufferSize: LogBufferEvents, blockWhenFull: false);
        }, preserveStaticLogger: true);
        builder.Services.AddHostedService<ConnectionSummaryLog>();
    }

    /// <summary>
    /// One line per HTTP request (Debug), except the socket endpoint: a WebSocket request lasts as long as
    /// the connection, which logs its own opening and closing lines, so a request log would only hold memory.
    /// </summary>
    public static void UseNotificationsRequestLogging(this WebApplication app) =>
        app.UseWhen(context => !SocketPath.Matches(context.Request.Path.Value) && !IsPusherSocket(context.Request.Path), branch =>
            branch.UseSerilogRequestLogging(options => options.GetLevel = (context, _, error) =>
                error is not null || context.Response.StatusCode >= 500 && !IsHealthReport(context) ? LogEventLevel.Warning : LogEventLevel.Debug));

    private static bool IsPusherSocket(PathString path) => path.StartsWithSegments("/app", StringComparison.OrdinalIgnoreCase);

    // A 503 from /healthz is the report working, not a failed request: the bus logs its own failure episodes.
    private static bool IsHealthReport(HttpContext context) => context.Request.Path.Equals("/healthz", StringComparison.Ordinal);

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
