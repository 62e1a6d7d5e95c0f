using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>How instances learn about each other: heartbeats on the topic, and the sweeping of dead instances' subscriptions.</summary>
public sealed class FleetOptions
{
    /// <summary>Seconds between this instance's heartbeats on the topic (<c>HEARTBEAT_SECONDS</c>).</summary>
    [ConfigurationKeyName("HEARTBEAT_SECONDS")]
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 5;

    /// <summary>
    /// Seconds without a heartbeat after which another instance's subscription on our topic counts as
    /// abandoned and is deleted (<c>SWEEP_AFTER_SECONDS</c>); 0 turns the sweeper off.
    /// </summary>
    [ConfigurationKeyName("SWEEP_AFTER_SECONDS")]
    [Range(0, 30 * 86_400)]
    public int SweepAfterSeconds { get; set; } = 900;

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatSeconds);

    /// <summary>An instance unheard of for this long is no longer counted as alive.</summary>
    public TimeSpan LivenessWindow => TimeSpan.FromSeconds(HeartbeatSeconds * 3);
}
