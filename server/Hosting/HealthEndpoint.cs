using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Connections;

namespace Notifications.Hosting;

/// <summary>
/// What <c>/healthz</c> reports, for an operator and for Fly's health checks: the status, why, and each side
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
    /// <c>GET /healthz</c>, what the proxy routes by: 200 while ready, and while degraded (a side of Pub/Sub failing,
    /// the reason in <c>detail</c>) once this boot has subscribed; 503 before that and while stopping. Degraded still
    /// takes sockets because Pub/Sub trouble is usually the whole fleet's at once (one key, one topic): refusing it
    /// everywhere would leave the proxy nowhere to send anyone. <c>GET /healthz?strict</c> is 503 unless ready.
    /// </summary>
    public static void MapHealth(this WebApplication app) =>
        app.MapGet("/healthz", (HttpContext context, IMessageBus bus, BusHealth health, ConnectionRegistry connections, IOptions<InstanceOptions> instance) =>
        {
            bool strict = context.Request.Query.ContainsKey("strict");
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
                statusCode: (strict ? health.IsReady : health.IsServing) ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
}
