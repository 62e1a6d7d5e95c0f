using Microsoft.IdentityModel.Tokens;

namespace Notifications.Identity;

/// <summary>
/// The lifetime rule, with time from the injected clock: <c>exp</c> is required, and <c>now</c> must lie
/// within <c>[nbf − skew, exp + skew]</c>. Throws the handler's own exception types, which it reports.
/// </summary>
internal static class TokenLifetime
{
    public static bool Check(DateTime? notBefore, DateTime? expires, DateTimeOffset now, TimeSpan skew)
    {
        if (expires is null)
            throw new SecurityTokenNoExpirationException("exp is required");
        if (notBefore is { } nbf && nbf > expires)
            throw new SecurityTokenInvalidLifetimeException("nbf is after exp");
        // Skew is added to now, not taken from the claims: a claim at DateTime's edge must not overflow.
        if (notBefore is { } start && now.UtcDateTime + skew < start)
            throw new SecurityTokenNotYetValidException("not valid yet") { NotBefore = start };
        if (now.UtcDateTime - skew > expires.Value)
            throw new SecurityTokenExpiredException("expired") { Expires = expires.Value };
        return true;
    }
}
