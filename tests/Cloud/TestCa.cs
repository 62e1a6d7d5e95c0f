using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Notifications.Tests.Cloud;

/// <summary>
/// A private certificate authority made for one test, and a server certificate it signs for 127.0.0.1 and
/// localhost: what stands in for Google's public TLS. A server process trusts it through SSL_CERT_FILE,
/// which OpenSSL, and so .NET on Linux, reads as its root store.
/// </summary>
internal sealed class TestCa : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly string _directory = Directory.CreateTempSubdirectory("notifications-ca-").FullName;

    public TestCa(string name = "Notifications Test CA")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        TrustFile = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(TrustFile, _authority.ExportCertificatePem());
    }

    /// <summary>The CA certificate as PEM: the value for SSL_CERT_FILE.</summary>
    public string TrustFile { get; }

    /// <summary>A certificate for 127.0.0.1 and localhost, signed by this CA, with its private key.</summary>
    public X509Certificate2 ServerCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        using var signed = request.Create(_authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        // Through PKCS#12, so the key is one the TLS stack can use whatever it was made as.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
