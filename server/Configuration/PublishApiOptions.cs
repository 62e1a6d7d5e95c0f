using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>The publish API for backends (<c>POST /api/v1/publish</c>): its keys, their rate, and how much data an alert may carry.</summary>
public sealed class PublishApiOptions
{
    /// <summary>
    /// The API keys (<c>PUBLISH_API_KEYS</c>): <c>name:secret</c> entries separated by commas, or a JSON array of
    /// <c>{"name","secret","channels"}</c> to limit a key to channel patterns. Two entries may share a name (a key
    /// being rotated); empty turns the API off. Only SHA-256 hashes of the secrets are kept.
    /// </summary>
    [ConfigurationKeyName("PUBLISH_API_KEYS")]
    public string? Keys { get; set; }

    /// <summary>Alerts one key (by name) may publish per second on this instance, sustained (<c>PUBLISH_API_RATE_PER_SECOND</c>).</summary>
    [ConfigurationKeyName("PUBLISH_API_RATE_PER_SECOND")]
    [Range(0.01, 1_000_000)]
    public double RatePerSecond { get; set; } = 100;

    /// <summary>Alerts one key may publish at once before the rate applies (<c>PUBLISH_API_BURST</c>); at least a full batch.</summary>
    [ConfigurationKeyName("PUBLISH_API_BURST")]
    [Range(MaxBatchSize, 1_000_000)]
    public int Burst { get; set; } = 1000;

    /// <summary>The largest <c>data</c> object an alert may carry, in bytes of compact JSON (<c>PUBLISH_API_MAX_DATA_BYTES</c>); 0 refuses data.</summary>
    [ConfigurationKeyName("PUBLISH_API_MAX_DATA_BYTES")]
    [Range(0, 16_384)]
    public int MaxDataBytes { get; set; } = 4096;

    /// <summary>Alerts in one batch request.</summary>
    public const int MaxBatchSize = 100;
}
