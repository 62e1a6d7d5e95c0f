using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>The Prometheus endpoint, on a port of its own so it is never exposed with the public one.</summary>
public sealed class MetricsOptions
{
    /// <summary>Port of the <c>/metrics</c> endpoint (<c>METRICS_PORT</c>); 0 turns it off.</summary>
    [ConfigurationKeyName("METRICS_PORT")]
    [Range(0, 65535)]
    public int Port { get; set; } = DefaultPort;

    /// <summary>Address the metrics endpoint binds to (<c>METRICS_HOST</c>): <c>*</c> for all, as Fly's scraper needs.</summary>
    [ConfigurationKeyName("METRICS_HOST")]
    [Required(ErrorMessage = "METRICS_HOST is empty.")]
    public string Host { get; set; } = "*";

    public const int DefaultPort = 9091;
    public const string Path = "/metrics";
}
