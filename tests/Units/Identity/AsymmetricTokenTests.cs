using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;
using Notifications.Identity;
using static Notifications.Tests.Units.Identity.TestTokens;

namespace Notifications.Tests.Units.Identity;

public sealed class AsymmetricTokenTests : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _pemFile;

    public AsymmetricTokenTests() => _pemFile = WriteTemp(_rsa.ExportSubjectPublicKeyInfoPem() + "\n" + _ec.ExportSubjectPublicKeyInfoPem());

    public void Dispose()
    {
        File.Delete(_pemFile);
        _rsa.Dispose();
        _ec.Dispose();
    }

    private TokenValidator PemValidator(string? secret = null) => Validator(new AuthOptions { PublicKeyFile = _pemFile, Hs256Secret = secret }).Validator;

    private static async Task<TokenProblem?> Problem(TokenValidator validator, string token) => (await validator.CheckAsync(token)).Refusal?.Problem;

    [Fact]
    public async Task RS256_and_ES256_tokens_check_against_the_keys_of_a_PEM_file()
    {
        var validator = PemValidator();
        Assert.Null(await Problem(validator, Sign(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256, Claims())));
        Assert.Null(await Problem(validator, Sign(new ECDsaSecurityKey(_ec), SecurityAlgorithms.EcdsaSha256, Claims())));
    }

    [Fact]
    public async Task A_token_signed_by_a_key_not_in_the_file_is_refused()
    {
        using var other = RSA.Create(2048);
        using var otherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var validator = PemValidator();
        Assert.Equal(TokenProblem.Signature, await Problem(validator, Sign(new RsaSecurityKey(other), SecurityAlgorithms.RsaSha256, Claims())));
        Assert.Equal(TokenProblem.Signature, await Problem(validator, Sign(new ECDsaSecurityKey(otherEc), SecurityAlgorithms.EcdsaSha256, Claims())));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_HS256_token_keyed_with_the_public_key_is_refused(bool serverAlsoHasASecret)
    {
        // Algorithm confusion: the attacker knows the public key and "signs" with it as an HMAC secret.
        var validator = PemValidator(serverAlsoHasASecret ? Secret : null);
        foreach (var publicText in new[] { File.ReadAllText(_pemFile), _rsa.ExportSubjectPublicKeyInfoPem() })
        {
            var token = Sign(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(publicText)), SecurityAlgorithms.HmacSha256, Claims());
            Assert.Equal(TokenProblem.Signature, await Problem(validator, token));
        }
        var spki = Sign(new SymmetricSecurityKey(_rsa.ExportSubjectPublicKeyInfo()), SecurityAlgorithms.HmacSha256, Claims());
        Assert.Equal(TokenProblem.Signature, await Problem(validator, spki));
    }

    [Fact]
    public async Task A_key_is_used_only_with_its_own_algorithm()
    {
        // The RSA key signs with RS512 here: a genuine signature, but not the algorithm the key is trusted for.
        var validator = PemValidator();
        Assert.Equal(TokenProblem.Signature, await Problem(validator, Sign(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha512, Claims())));
        Assert.Equal(TokenProblem.Signature, await Problem(validator, Sign(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSsaPssSha256, Claims())));
    }

    [Fact]
    public async Task An_asymmetric_token_is_refused_where_only_a_secret_is_configured()
    {
        var validator = Validator(new AuthOptions { Hs256Secret = Secret }).Validator;
        Assert.Equal(TokenProblem.Signature, await Problem(validator, Sign(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256, Claims())));
    }

    [Fact]
    public async Task A_certificate_in_the_file_serves_as_its_public_key()
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=issuer", _rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var file = WriteTemp(certificate.ExportCertificatePem());
        try
        {
            var validator = Validator(new AuthOptions { PublicKeyFile = file }).Validator;
            Assert.Null(await Problem(validator, Sign(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256, Claims())));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
