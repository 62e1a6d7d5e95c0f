using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Limits of one WebSocket connection.</summary>
public sealed class ConnectionOptions
{
    /// <summary>The longest alert text accepted, in Unicode code points (<c>ALERT_MAX_LENGTH</c>).</summary>
    [ConfigurationKeyName("ALERT_MAX_LENGTH")]
    [Range(1, 10_000)]
    public int MaxTextLength { get; set; } = 280;

    /// <summary>The largest inbound WebSocket message, in bytes (<c>WS_MAX_MESSAGE_BYTES</c>); a larger one closes the socket with 1009.</summary>
    [ConfigurationKeyName("WS_MAX_MESSAGE_BYTES")]
    [Range(256, 1_048_576)]
    public int MaxMessageBytes { get; set; } = 4096;

    /// <summary>Frames a connection may have waiting to be sent (<c>WS_SEND_QUEUE</c>); a client that lets it fill is closed with 1013.</summary>
    [ConfigurationKeyName("WS_SEND_QUEUE")]
    [Range(1, 100_000)]
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Seconds between keep-alive pings, and how long a pong may take before the peer counts as dead (<c>WS_KEEPALIVE_SECONDS</c>).</summary>
    [ConfigurationKeyName("WS_KEEPALIVE_SECONDS")]
    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 20;
}
