using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Limits of one WebSocket connection, and how connections are logged.</summary>
public sealed class ConnectionOptions
{
    /// <summary>The longest alert text accepted, in Unicode code points (<c>ALERT_MAX_LENGTH</c>).</summary>
    [ConfigurationKeyName("ALERT_MAX_LENGTH")]
    [Range(1, 10_000)]
    public int MaxTextLength { get; set; } = 280;

    /// <summary>The largest inbound WebSocket message, in bytes (<c>WS_MAX_MESSAGE_BYTES</c>); a larger one closes the socket with 1009.</summary>
    [ConfigurationKeyName("WS_MAX_MESSAGE_BYTES")]
    [Range(256, 1_048_576)]
    public int MaxMessageBytes { get; set; } = 16_384;

    /// <summary>Frames a connection may have waiting to be sent (<c>WS_SEND_QUEUE</c>); a client that lets it fill is closed with 1013.</summary>
    [ConfigurationKeyName("WS_SEND_QUEUE")]
    [Range(1, 100_000)]
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Seconds between keep-alive pings, and how long a pong may take before the peer counts as dead (<c>WS_KEEPALIVE_SECONDS</c>).</summary>
    [ConfigurationKeyName("WS_KEEPALIVE_SECONDS")]
    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 20;

    /// <summary>Alerts one socket may send per second, sustained (<c>ALERT_RATE_PER_SECOND</c>): a token bucket's refill.</summary>
    [ConfigurationKeyName("ALERT_RATE_PER_SECOND")]
    [Range(0.01, 1_000_000)]
    public double AlertRatePerSecond { get; set; } = 3;

    /// <summary>Alerts one socket may send at once before the rate applies (<c>ALERT_BURST</c>): the bucket's size.</summary>
    [ConfigurationKeyName("ALERT_BURST")]
    [Range(1, 1_000_000)]
    public int AlertBurst { get; set; } = 20;

    /// <summary>Rate-limited alerts in a row, or rate-limited requests in a row (each counted apart), after which the socket is closed with 1008 (<c>RATE_LIMIT_STRIKES</c>).</summary>
    [ConfigurationKeyName("RATE_LIMIT_STRIKES")]
    [Range(1, 1_000_000)]
    public int RateLimitStrikes { get; set; } = 20;

    /// <summary>
    /// Log each connection's opening and closing at Information (<c>LOG_CONNECTIONS</c>). Off (the default),
    /// those lines are Debug, and Information has one summary line every <see cref="LogSummarySeconds"/>:
    /// at thousands of connections a second, a line each costs more than the connections.
    /// </summary>
    [ConfigurationKeyName("LOG_CONNECTIONS")]
    public bool LogEachConnection { get; set; }

    /// <summary>Seconds between the log's summary lines of connections accepted, refused and closed (<c>LOG_SUMMARY_SECONDS</c>).</summary>
    [ConfigurationKeyName("LOG_SUMMARY_SECONDS")]
    [Range(1, 3600)]
    public int LogSummarySeconds { get; set; } = 10;
}
