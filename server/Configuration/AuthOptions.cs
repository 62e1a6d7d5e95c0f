using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Connection tokens (JWTs): which keys sign them, what issuer and audience they must name, and whether a socket needs one.</summary>
public sealed class AuthOptions
{
    /// <summary>Refuse sockets without a valid token (<c>AUTH_REQUIRED</c>); needs at least one key setting.</summary>
    [ConfigurationKeyName("AUTH_REQUIRED")]
    public bool Required { get; set; }

    /// <summary>The shared secret for HS256 tokens (<c>AUTH_HS256_SECRET</c>), at least 32 bytes of UTF-8; keep it in a Fly secret.</summary>
    [ConfigurationKeyName("AUTH_HS256_SECRET")]
    public string? Hs256Secret { get; set; }

    /// <summary>A PEM file of one or more RSA or EC public keys for RS256/ES256 tokens (<c>AUTH_PUBLIC_KEY_FILE</c>).</summary>
    [ConfigurationKeyName("AUTH_PUBLIC_KEY_FILE")]
    public string? PublicKeyFile { get; set; }

    /// <summary>
    /// A JWKS document of RS256/ES256 public keys (<c>AUTH_JWKS_URL</c>): an <c>https://</c> URL (<c>http://</c> only for
    /// localhost), or a file path; read at startup and every <c>AUTH_JWKS_REFRESH_SECONDS</c>.
    /// </summary>
    [ConfigurationKeyName("AUTH_JWKS_URL")]
    public string? JwksUrl { get; set; }

    /// <summary>Seconds between reads of the JWKS document (<c>AUTH_JWKS_REFRESH_SECONDS</c>); a token naming an unknown key id also triggers one, at most every 30 s.</summary>
    [ConfigurationKeyName("AUTH_JWKS_REFRESH_SECONDS")]
    [Range(30, 86_400)]
    public int JwksRefreshSeconds { get; set; } = 300;

    /// <summary>The <c>iss</c> every token must carry (<c>AUTH_ISSUER</c>); unset: not checked.</summary>
    [ConfigurationKeyName("AUTH_ISSUER")]
    [StringLength(1024, ErrorMessage = "AUTH_ISSUER is longer than {1} characters.")]
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry (<c>AUTH_AUDIENCE</c>), or several comma-separated; unset: not checked.</summary>
    [ConfigurationKeyName("AUTH_AUDIENCE")]
    [StringLength(1024, ErrorMessage = "AUTH_AUDIENCE is longer than {1} characters.")]
    public string? Audience { get; set; }

    /// <summary>
    /// Seconds of clock difference tolerated on <c>exp</c> and <c>nbf</c> (<c>AUTH_CLOCK_SKEW_SECONDS</c>); a socket whose
    /// token ran out is closed this long after its <c>exp</c>.
    /// </summary>
    [ConfigurationKeyName("AUTH_CLOCK_SKEW_SECONDS")]
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>HS256 keys shorter than the hash (RFC 7518 §3.2) are refused.</summary>
    public const int MinHs256SecretBytes = 32;

    public bool AnyKeyConfigured =>
        !string.IsNullOrEmpty(Hs256Secret) || !string.IsNullOrWhiteSpace(PublicKeyFile) || !string.IsNullOrWhiteSpace(JwksUrl);

    /// <summary>The audiences of <c>AUTH_AUDIENCE</c>, none when unset.</summary>
    public string[] Audiences =>
        (Audience ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
