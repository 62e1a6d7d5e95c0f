using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Channels: how many a socket may join, where clients may publish, and how much per-channel history is kept for resuming.</summary>
public sealed class ChannelOptions
{
    /// <summary>Channels one socket may join by <c>subscribe</c> frames (<c>CHANNELS_MAX_PER_SOCKET</c>); <c>global</c> and the socket's own user channel do not count.</summary>
    [ConfigurationKeyName("CHANNELS_MAX_PER_SOCKET")]
    [Range(1, 1024)]
    public int MaxPerSocket { get; set; } = 64;

    /// <summary>
    /// Channel patterns any client may publish alerts to once it has joined them (<c>CHANNELS_CLIENT_PUBLISH</c>),
    /// comma-separated, e.g. <c>global,public:*</c>; empty for none. Tokens may add more with their <c>publish</c>
    /// claim. A pattern that reaches into <c>user:</c> is refused at startup.
    /// </summary>
    [ConfigurationKeyName("CHANNELS_CLIENT_PUBLISH")]
    public string? ClientPublish { get; set; } = DefaultClientPublish;

    /// <summary>Recent alerts kept per channel (other than <c>global</c>) for clients that resume it (<c>CHANNEL_WINDOW_SIZE</c>).</summary>
    [ConfigurationKeyName("CHANNEL_WINDOW_SIZE")]
    [Range(1, 100_000)]
    public int WindowSize { get; set; } = 100;

    /// <summary>Recent alerts kept for all channels but <c>global</c> together (<c>CHANNEL_WINDOW_TOTAL</c>): the bound on that memory.</summary>
    [ConfigurationKeyName("CHANNEL_WINDOW_TOTAL")]
    [Range(10, 1_000_000)]
    public int WindowTotal { get; set; } = 10_000;

    public const string DefaultClientPublish = "global";
}
