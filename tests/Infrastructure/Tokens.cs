using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// Connection tokens for tests against real servers, on the real clock: minted with the library as an
/// application's backend would, and the broken ones an attacker would make by hand.
/// </summary>
public static class Tokens
{
    /// <summary>The HS256 secret test servers are given (<c>AUTH_HS256_SECRET</c>).</summary>
    public const string Secret = "integration-test-secret-of-at-least-32-bytes";

    public const string Audience = "notifications";

    /// <summary>Settings that make a server accept tokens signed with <see cref="Secret"/> for <see cref="Audience"/>.</summary>
    public static void Accept(IDictionary<string, string?> settings)
    {
        settings["AUTH_HS256_SECRET"] = Secret;
        settings["AUTH_AUDIENCE"] = Audience;
    }

    public static Dictionary<string, object> Claims(string sub, TimeSpan? expiresIn = null, string[]? channels = null, string[]? publish = null,
        string audience = Audience)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["aud"] = audience,
            ["exp"] = DateTimeOffset.UtcNow.Add(expiresIn ?? TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
        };
        if (channels is not null)
            claims["channels"] = channels;
        if (publish is not null)
            claims["publish"] = publish;
        return claims;
    }

    public static string Hs256(Dictionary<string, object> claims, string secret = Secret)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256) });
    }

    /// <summary>A good token for <paramref name="sub"/>, for an hour unless told otherwise.</summary>
    public static string For(string sub, TimeSpan? expiresIn = null, string[]? channels = null, string[]? publish = null) =>
        Hs256(Claims(sub, expiresIn, channels, publish));

    /// <summary>Header and payload as given, and no signature: what <c>alg: none</c> makes.</summary>
    public static string Unsigned(Dictionary<string, object> claims) =>
        $"{Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "none", typ = "JWT" }))}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims))}.";

    /// <summary>A genuine token's signature over a payload swapped after signing.</summary>
    public static string Forged(string token, Dictionary<string, object> claims)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims))}.{parts[2]}";
    }

    /// <summary>The subprotocols a page offers to carry <paramref name="token"/>.</summary>
    public static string Subprotocols(string token) => $"notifications.v1, bearer.{token}";
}
