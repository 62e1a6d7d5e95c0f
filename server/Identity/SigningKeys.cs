using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;

namespace Notifications.Identity;

/// <summary>
/// The keys tokens may be signed with, each bound to one algorithm: the HS256 secret only for HS256,
/// RSA keys only for RS256, P-256 keys only for ES256. Resolving by the token's own <c>alg</c> is what
/// defeats algorithm confusion (an HS256 token "signed" with a public key): no RSA or EC key is ever
/// offered to an HMAC check. The JWKS part is swapped whole when the document is read again.
/// </summary>
internal sealed class SigningKeys
{
    public const string Hs256 = SecurityAlgorithms.HmacSha256;
    public const string Rs256 = SecurityAlgorithms.RsaSha256;
    public const string Es256 = SecurityAlgorithms.EcdsaSha256;

    private readonly SecurityKey? _hmac;
    private readonly IReadOnlyList<SecurityKey> _fileKeys;
    private IReadOnlyList<SecurityKey> _jwksKeys = [];

    public SigningKeys(IOptions<AuthOptions> options)
    {
        var o = options.Value;
        if (!string.IsNullOrEmpty(o.Hs256Secret))
            _hmac = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(o.Hs256Secret));
        // Checked at boot by AuthOptionsValidator; a bad file cannot get this far.
        _fileKeys = string.IsNullOrWhiteSpace(o.PublicKeyFile) ? [] : PemKeys.Load(File.ReadAllText(o.PublicKeyFile));
        JwksConfigured = !string.IsNullOrWhiteSpace(o.JwksUrl);
    }

    /// <summary>The algorithms some configured key can check; a token with any other is refused before its signature is looked at.</summary>
    public IReadOnlyList<string> Algorithms =>
        [.. _hmac is null ? [] : new[] { Hs256 }, .. _fileKeys.Count == 0 && !JwksConfigured ? [] : new[] { Rs256, Es256 }];

    public bool JwksConfigured { get; }

    public bool AnyConfigured => _hmac is not null || _fileKeys.Count > 0 || JwksConfigured;

    public int JwksCount => Volatile.Read(ref _jwksKeys).Count;

    public void ReplaceJwks(IReadOnlyList<SecurityKey> keys) => Volatile.Write(ref _jwksKeys, keys);

    /// <summary>True when a key with this id is loaded (or no id is given): else the JWKS may have rotated.</summary>
    public bool Knows(string? kid) =>
        string.IsNullOrEmpty(kid) || Volatile.Read(ref _jwksKeys).Any(k => k.KeyId == kid) || _fileKeys.Any(k => k.KeyId == kid);

    /// <summary>
    /// The keys that may have signed a token with this <paramref name="alg"/> and <paramref name="kid"/>:
    /// of that algorithm's family only; those with the id, and those with no id at all (PEM keys have none).
    /// </summary>
    public IEnumerable<SecurityKey> For(string? alg, string? kid)
    {
        if (alg == Hs256)
            return _hmac is null ? [] : [_hmac];
        if (alg is not (Rs256 or Es256))
            return [];
        return _fileKeys.Concat(Volatile.Read(ref _jwksKeys))
            .Where(key => Family(key) == alg && (string.IsNullOrEmpty(key.KeyId) || string.IsNullOrEmpty(kid) || key.KeyId == kid))
            .ToList();
    }

    private static string? Family(SecurityKey key) => key switch
    {
        RsaSecurityKey => Rs256,
        ECDsaSecurityKey => Es256,
        JsonWebKey { Kty: JsonWebAlgorithmsKeyTypes.RSA } => Rs256,
        JsonWebKey { Kty: JsonWebAlgorithmsKeyTypes.EllipticCurve } => Es256,
        _ => null,
    };
}
