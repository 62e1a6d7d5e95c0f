using System.Diagnostics.Metrics;
using Notifications.Metrics;

namespace Notifications.Api;

/// <summary>The publish API's instruments, on the server's own meter (scraped as <c>notifications_publish_api_…</c>).</summary>
internal sealed class ApiMetrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _alerts;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(NotificationsMetrics.MeterName);
        _requests = meter.CreateCounter<long>("publish_api.requests", "{request}", "Publish API requests, by status and code (the problem's code, or accepted).");
        _alerts = meter.CreateCounter<long>("publish_api.alerts", "{alert}", "Alerts accepted by the publish API, by whether they were sent to the topic or answered from the idempotency log (repeat).");
    }

    public void Answered(int status, string code) =>
        _requests.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("code", code));

    public void Accepted(int published, int repeated)
    {
        if (published > 0)
            _alerts.Add(published, new KeyValuePair<string, object?>("outcome", "published"));
        if (repeated > 0)
            _alerts.Add(repeated, new KeyValuePair<string, object?>("outcome", "repeat"));
    }
}
