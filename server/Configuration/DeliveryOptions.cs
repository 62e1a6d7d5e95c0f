using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>How alerts are kept for resuming clients and buffered on their way to the topic.</summary>
public sealed class DeliveryOptions
{
    /// <summary>How many recent alerts each instance keeps for clients that reconnect with <c>?since=</c> (<c>ALERT_WINDOW_SIZE</c>).</summary>
    [ConfigurationKeyName("ALERT_WINDOW_SIZE")]
    [Range(10, 100_000)]
    public int WindowSize { get; set; } = 1000;

    /// <summary>How long, in seconds, an alert stays in that window (<c>ALERT_WINDOW_SECONDS</c>).</summary>
    [ConfigurationKeyName("ALERT_WINDOW_SECONDS")]
    [Range(10, 86_400)]
    public int WindowSeconds { get; set; } = 300;

    /// <summary>
    /// Seconds before a resuming client's last alert that are replayed too (<c>RESUME_SLACK_SECONDS</c>):
    /// instances see alerts in slightly different orders, so an alert the client missed may sort just before it.
    /// </summary>
    [ConfigurationKeyName("RESUME_SLACK_SECONDS")]
    [Range(0, 300)]
    public int ResumeSlackSeconds { get; set; } = 3;

    /// <summary>Alerts that may wait to be published while Pub/Sub is slow or down (<c>PUBLISH_BUFFER</c>); beyond it senders get an error.</summary>
    [ConfigurationKeyName("PUBLISH_BUFFER")]
    [Range(1, 1_000_000)]
    public int PublishBuffer { get; set; } = 10_000;

    /// <summary>How long, in seconds, an alert may wait to be published before it is given up and its sender told (<c>PUBLISH_TIMEOUT_SECONDS</c>).</summary>
    [ConfigurationKeyName("PUBLISH_TIMEOUT_SECONDS")]
    [Range(1, 3600)]
    public int PublishTimeoutSeconds { get; set; } = 60;
}
