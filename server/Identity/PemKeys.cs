using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace Notifications.Identity;

/// <summary>Reads RS256/ES256 verification keys from PEM text: public keys (SPKI or PKCS#1) and certificates. Private keys are refused: a server that only checks tokens must not hold one.</summary>
internal static class PemKeys
{
    /// <summary>Every key in <paramref name="pem"/>; throws <see cref="FormatException"/> saying which block is wrong, or if there is none.</summary>
    public static List<SecurityKey> Load(string pem)
    {
        var keys = new List<SecurityKey>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            keys.Add(Read(label, der, keys.Count + 1));
            rest = rest[fields.Location.End..];
        }
        if (keys.Count == 0)
            throw new FormatException("it holds no PEM block (-----BEGIN PUBLIC KEY----- …)");
        return keys;
    }

    private static SecurityKey Read(string label, byte[] der, int index)
    {
        try
        {
            return label switch
            {
                "PUBLIC KEY" => FromSubjectPublicKeyInfo(der),
                "RSA PUBLIC KEY" => Rsa(rsa => rsa.ImportRSAPublicKey(der, out _)),
                "CERTIFICATE" => FromCertificate(der),
                _ when label.Contains("PRIVATE", StringComparison.Ordinal) =>
                    throw new FormatException($"block {index} is a private key; give the server only the public key"),
                _ => throw new FormatException($"block {index} is a '{label}', not a public key or certificate"),
            };
        }
        catch (CryptographicException)
        {
            throw new FormatException($"block {index} ('{label}') is not a readable RSA or EC public key");
        }
    }

    private static SecurityKey FromSubjectPublicKeyInfo(byte[] der)
    {
        try
        {
            return Rsa(rsa => rsa.ImportSubjectPublicKeyInfo(der, out _));
        }
        catch (CryptographicException)
        {
            return Ec(ECDsa.Create(), ec => ec.ImportSubjectPublicKeyInfo(der, out _));
        }
    }

    private static SecurityKey FromCertificate(byte[] der)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        if (certificate.GetRSAPublicKey() is { } rsa)
            return new RsaSecurityKey(rsa);
        return Ec(certificate.GetECDsaPublicKey() ?? throw new FormatException("the certificate's key is neither RSA nor EC"), _ => { });
    }

    private static RsaSecurityKey Rsa(Action<RSA> import)
    {
        var rsa = RSA.Create();
        import(rsa);
        return new RsaSecurityKey(rsa);
    }

    /// <summary>ES256 is ECDSA on P-256 alone; a key on another curve would only ever fail, so it is refused here, at boot.</summary>
    private static ECDsaSecurityKey Ec(ECDsa ec, Action<ECDsa> import)
    {
        import(ec);
        if (ec.KeySize != 256)
            throw new FormatException($"an EC key on a {ec.KeySize}-bit curve: ES256 needs P-256");
        return new ECDsaSecurityKey(ec);
    }
}
