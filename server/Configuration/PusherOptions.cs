using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>
/// The Pusher door (<c>/app/{key}</c> and the HTTP API under <c>/apps/{id}</c>): which apps it serves and
/// the limits every app gets unless its own entry in <c>PUSHER_APPS</c> (JSON form) says otherwise.
/// </summary>
public sealed class PusherOptions
{
    /// <summary>
    /// The apps (<c>PUSHER_APPS</c>): <c>id:key:secret</c> entries separated by commas, or a JSON array of
    /// <c>{"id","key","secret", …limits}</c> objects; unset or empty turns the Pusher door off.
    /// </summary>
    [ConfigurationKeyName("PUSHER_APPS")]
    public string? Apps { get; set; }

    /// <summary>Seconds of silence after which a client should ping, told to it in <c>pusher:connection_established</c> (<c>PUSHER_ACTIVITY_TIMEOUT_SECONDS</c>).</summary>
    [ConfigurationKeyName("PUSHER_ACTIVITY_TIMEOUT_SECONDS")]
    [Range(5, 120)]
    public int ActivityTimeoutSeconds { get; set; } = 30;

    /// <summary>Whether clients may send <c>client-*</c> events on private and presence channels (<c>PUSHER_CLIENT_EVENTS</c>).</summary>
    [ConfigurationKeyName("PUSHER_CLIENT_EVENTS")]
    public bool ClientEvents { get; set; } = true;

    /// <summary>Client events one socket may send per second (<c>PUSHER_CLIENT_EVENTS_PER_SECOND</c>); Pusher's own limit is 10.</summary>
    [ConfigurationKeyName("PUSHER_CLIENT_EVENTS_PER_SECOND")]
    [Range(1, 1000)]
    public int ClientEventsPerSecond { get; set; } = 10;

    /// <summary>Sockets one app may hold on one instance (<c>PUSHER_MAX_CONNECTIONS</c>); 0 means only <c>MAX_CONNECTIONS</c> applies.</summary>
    [ConfigurationKeyName("PUSHER_MAX_CONNECTIONS")]
    [Range(0, 10_000_000)]
    public int MaxConnections { get; set; }

    /// <summary>Channels one socket may be subscribed to at once (<c>PUSHER_MAX_CHANNELS_PER_CONNECTION</c>).</summary>
    [ConfigurationKeyName("PUSHER_MAX_CHANNELS_PER_CONNECTION")]
    [Range(1, 10_000)]
    public int MaxChannelsPerConnection { get; set; } = 100;

    /// <summary>The largest event <c>data</c>, in UTF-8 bytes, from the HTTP API or a client (<c>PUSHER_MAX_EVENT_BYTES</c>); Pusher's is 10 KB.</summary>
    [ConfigurationKeyName("PUSHER_MAX_EVENT_BYTES")]
    [Range(256, 1_048_576)]
    public int MaxEventBytes { get; set; } = 10_240;

    /// <summary>Events one <c>POST /apps/{id}/batch_events</c> may carry (<c>PUSHER_MAX_BATCH_SIZE</c>); Pusher's is 10.</summary>
    [ConfigurationKeyName("PUSHER_MAX_BATCH_SIZE")]
    [Range(1, 1000)]
    public int MaxBatchSize { get; set; } = 10;

    /// <summary>Distinct users one presence channel may hold, fleet-wide (<c>PUSHER_MAX_PRESENCE_MEMBERS</c>); Pusher's is 100.</summary>
    [ConfigurationKeyName("PUSHER_MAX_PRESENCE_MEMBERS")]
    [Range(1, 100_000)]
    public int MaxPresenceMembers { get; set; } = 100;

    /// <summary>The largest presence <c>user_info</c>, in UTF-8 bytes of JSON (<c>PUSHER_MAX_USER_INFO_BYTES</c>); Pusher's is 1 KB. At most 8 KiB, so a member always fits one bus message.</summary>
    [ConfigurationKeyName("PUSHER_MAX_USER_INFO_BYTES")]
    [Range(16, 8192)]
    public int MaxUserInfoBytes { get; set; } = 1024;
}
