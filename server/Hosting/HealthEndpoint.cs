using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;

namespace Notifications.Hosting;

/// <summary>
/// What <c>/healthz</c> reports, for an operator and for Fly's health check: the status, why, and each side
/// of the bus (<c>up</c>, <c>pending: why</c> or <c>failing: Status (detail)</c>).
/// </summary>
public sealed record HealthReport(
    string Status,
    string Bus,
    string Detail,
    string Setup,
    string Receive,
    string Publish,
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

    /// <summary>
    /// <c>GET /healthz</c>: 200 while this instance can publish and its receive stream is open; 503 while
    /// starting, degraded (a side of Pub/Sub failing; the reason is in <c>detail</c>) or stopping.
    /// </summary>
    public static void MapHealth(this WebApplication app) =>
        app.MapGet("/healthz", (IMessageBus bus, BusHealth health, ConnectionRegistry connections, IOptions<InstanceOptions> instance) =>
        {
            var report = new HealthReport(
                health.State.ToString().ToLowerInvariant(),
                bus.Kind,
                health.Detail,
                health.Setup.Describe(),
                health.Receive.Describe(),
                health.Publish.Describe(),
                bus.SubscriptionName,
                instance.Value.InstanceId,
                instance.Value.Region,
                connections.Count);
            return Results.Json(report, HealthJsonContext.Default.HealthReport,
                statusCode: health.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
}
