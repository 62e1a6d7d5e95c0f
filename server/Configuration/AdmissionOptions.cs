using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Who may open a socket, and how many: checked before the upgrade, so a refusal costs almost nothing.</summary>
public sealed class AdmissionOptions
{
    /// <summary>Sockets this instance holds at most (<c>MAX_CONNECTIONS</c>); more are refused with 503. Keep fly.toml's hard_limit a little above, for HTTP requests.</summary>
    [ConfigurationKeyName("MAX_CONNECTIONS")]
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>Sockets one client address may hold on this instance (<c>MAX_CONNECTIONS_PER_IP</c>); more are refused with 429.</summary>
    [ConfigurationKeyName("MAX_CONNECTIONS_PER_IP")]
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerIp { get; set; } = 100;

    /// <summary>
    /// Take the client address from Fly's <c>Fly-Client-IP</c> header (<c>TRUST_FLY_CLIENT_IP</c>). Only behind
    /// Fly's proxy: anywhere else a client could claim any address with it.
    /// </summary>
    [ConfigurationKeyName("TRUST_FLY_CLIENT_IP")]
    public bool TrustFlyClientIp { get; set; }

    /// <summary>
    /// Origins allowed to open sockets from a browser (<c>ALLOWED_ORIGINS</c>), comma-separated, e.g.
    /// <c>https://app.example.com,https://admin.example.com</c>; <c>*</c> allows any. The server's own origin and
    /// localhost are always allowed; requests without an Origin header (not from a browser) are too.
    /// </summary>
    [ConfigurationKeyName("ALLOWED_ORIGINS")]
    public string? AllowedOrigins { get; set; }

    public const int DefaultMaxConnections = 10_000;
}
