using Microsoft.IdentityModel.Tokens;

namespace Notifications.Identity;

/// <summary>
/// Reads a JWKS document (RFC 7517) into RS256/ES256 verification keys. Keys meant for encryption, of
/// another type (a symmetric <c>oct</c> key must never come from a public URL), for another algorithm, or
/// on a curve other than P-256 are skipped and counted.
/// </summary>
internal static class JwksDocument
{
    /// <summary>Far above any real key set; a larger document is refused unread.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The usable keys and how many were skipped; throws <see cref="FormatException"/> if the text is not a JWKS document.</summary>
    public static (List<SecurityKey> Keys, int Skipped) Parse(string json)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (ArgumentException)
        {
            throw new FormatException("it is not a JWKS document (a JSON object with a \"keys\" array)");
        }
        var keys = set.Keys.Where(Usable).Cast<SecurityKey>().ToList();
        return (keys, set.Keys.Count - keys.Count);
    }

    private static bool Usable(JsonWebKey key)
    {
        if (key.Use is { Length: > 0 } use && use != JsonWebKeyUseNames.Sig)
            return false;
        return key.Kty switch
        {
            JsonWebAlgorithmsKeyTypes.RSA => AlgIs(key, SigningKeys.Rs256) && !string.IsNullOrEmpty(key.N) && !string.IsNullOrEmpty(key.E),
            JsonWebAlgorithmsKeyTypes.EllipticCurve => AlgIs(key, SigningKeys.Es256) && key.Crv == JsonWebKeyECTypes.P256
                && !string.IsNullOrEmpty(key.X) && !string.IsNullOrEmpty(key.Y),
            _ => false,
        };
    }

    private static bool AlgIs(JsonWebKey key, string alg) => string.IsNullOrEmpty(key.Alg) || key.Alg == alg;
}
