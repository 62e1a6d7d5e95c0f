using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;

namespace Notifications.Hosting;

/// <summary>What <c>/healthz</c> reports, for an operator and for Fly's health check.</summary>
public sealed record HealthReport(
    string Status,
    string Bus,
    string BusState,
    string Detail,
    string? Subscription,
    string Instance,
    string Region,
    int Connections);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;

internal static class HealthEndpoint
{
    /// <summary><c>GET /livez</c>: 200 while the process serves requests at all, whatever Pub/Sub is doing: restart only if this fails.</summary>
    public static void MapLiveness(this WebApplication app) =>
        app.MapGet("/livez", () => Results.Text("alive\n"));

    /// <summary><c>GET /healthz</c>: 200 while this instance's subscription is ready; 503 while starting, degraded (Pub/Sub failing) or stopping, with the reason.</summary>
    public static void MapHealth(this WebApplication app) =>
        app.MapGet("/healthz", (IMessageBus bus, BusHealth health, ConnectionRegistry connections, IOptions<InstanceOptions> instance) =>
        {
            var report = new HealthReport(
                health.State.ToString().ToLowerInvariant(),
                bus.Kind,
                health.State.ToString().ToLowerInvariant(),
                health.Detail,
                bus.SubscriptionName,
                instance.Value.InstanceId,
                instance.Value.Region,
                connections.Count);
            return Results.Json(report, HealthJsonContext.Default.HealthReport,
                statusCode: health.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
}
