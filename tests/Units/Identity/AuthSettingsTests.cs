using System.Security.Cryptography;
using Notifications.Configuration;
using static Notifications.Tests.Units.Identity.TestTokens;

namespace Notifications.Tests.Units.Identity;

public sealed class AuthSettingsTests
{
    private static string? Failure(AuthOptions options)
    {
        var result = new AuthOptionsValidator().Validate(null, options);
        return result.Succeeded ? null : result.FailureMessage;
    }

    [Fact]
    public void The_defaults_are_valid_and_require_nothing()
    {
        var options = new AuthOptions();
        Assert.Null(Failure(options));
        Assert.False(options.Required);
        Assert.Equal(30, options.ClockSkewSeconds);
        Assert.True(new AuthAnnotationsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Requiring_tokens_without_a_key_fails_the_boot() =>
        Assert.Contains("AUTH_REQUIRED", Failure(new AuthOptions { Required = true }));

    [Fact]
    public void A_short_HS256_secret_fails_the_boot()
    {
        Assert.Contains("AUTH_HS256_SECRET is 31 bytes", Failure(new AuthOptions { Hs256Secret = new string('s', 31) }));
        Assert.Null(Failure(new AuthOptions { Hs256Secret = new string('s', 32), Required = true }));
    }

    [Fact]
    public void A_missing_or_unreadable_key_file_fails_the_boot()
    {
        Assert.Contains("does not exist", Failure(new AuthOptions { PublicKeyFile = "/nonexistent/key.pem" }));
        var garbage = WriteTemp("hello");
        using var rsa = RSA.Create(2048);
        var privateKey = WriteTemp(rsa.ExportPkcs8PrivateKeyPem());
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var wrongCurve = WriteTemp(p384.ExportSubjectPublicKeyInfoPem());
        try
        {
            Assert.Contains("no PEM block", Failure(new AuthOptions { PublicKeyFile = garbage }));
            Assert.Contains("private key", Failure(new AuthOptions { PublicKeyFile = privateKey }));
            Assert.Contains("P-256", Failure(new AuthOptions { PublicKeyFile = wrongCurve }));
        }
        finally
        {
            File.Delete(garbage);
            File.Delete(privateKey);
            File.Delete(wrongCurve);
        }
    }

    [Theory]
    [InlineData("https://id.example.com/.well-known/jwks.json", null)]
    [InlineData("http://127.0.0.1:8081/jwks", null)]
    [InlineData("http://localhost/jwks", null)]
    [InlineData("http://id.example.com/jwks", "https://")]
    [InlineData("ftp://id.example.com/jwks", "neither")]
    [InlineData("/nonexistent/jwks.json", "neither")]
    public void The_JWKS_location_must_be_https_or_a_local_file(string location, string? failure)
    {
        var message = Failure(new AuthOptions { JwksUrl = location, Audience = "notifications", Issuer = "https://id.example.com/" });
        if (failure is null)
            Assert.Null(message);
        else
            Assert.Contains(failure, message);
    }

    [Fact]
    public void Public_keys_need_an_audience_and_a_key_set_an_issuer_too_so_another_apps_token_cannot_open_a_users_channel()
    {
        const string Jwks = "https://id.example.com/.well-known/jwks.json";
        Assert.Contains("AUTH_AUDIENCE is not", Failure(new AuthOptions { JwksUrl = Jwks, Issuer = "https://id.example.com/" }));
        Assert.Contains("AUTH_ISSUER is not", Failure(new AuthOptions { JwksUrl = Jwks, Audience = "notifications" }));
        Assert.Null(Failure(new AuthOptions { JwksUrl = Jwks, Audience = "notifications", Issuer = "https://id.example.com/" }));
        using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var pem = WriteTemp(ec.ExportSubjectPublicKeyInfoPem());
        try
        {
            Assert.Contains("AUTH_PUBLIC_KEY_FILE is set but AUTH_AUDIENCE is not", Failure(new AuthOptions { PublicKeyFile = pem }));
            Assert.Null(Failure(new AuthOptions { PublicKeyFile = pem, Audience = "notifications" }));
        }
        finally
        {
            File.Delete(pem);
        }
        // A shared secret is this server's and its backend's alone: no audience needed.
        Assert.Null(Failure(new AuthOptions { Hs256Secret = new string('s', 32) }));
    }

    [Fact]
    public void A_JWKS_file_that_is_not_one_fails_the_boot()
    {
        var file = WriteTemp("[1,2,3]", ".json");
        try
        {
            Assert.Contains("not a JWKS document", Failure(new AuthOptions { JwksUrl = file }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_annotations_bound_skew_and_refresh()
    {
        Assert.False(new AuthAnnotationsValidator().Validate(null, new AuthOptions { ClockSkewSeconds = 301 }).Succeeded);
        Assert.False(new AuthAnnotationsValidator().Validate(null, new AuthOptions { JwksRefreshSeconds = 5 }).Succeeded);
    }

    [Fact]
    public void Audiences_are_comma_separated()
    {
        Assert.Equal(["a", "b"], new AuthOptions { Audience = " a, b ," }.Audiences);
        Assert.Empty(new AuthOptions().Audiences);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(" , ")]
    [InlineData("notifications,")]
    [InlineData("a,,b")]
    public void An_audience_list_with_an_empty_entry_is_refused_rather_than_read_as_no_check(string audience)
    {
        var message = Failure(new AuthOptions { JwksUrl = "https://id.example.com/.well-known/jwks.json", Audience = audience, Issuer = "https://id.example.com/" });

        Assert.Contains("AUTH_AUDIENCE", message);
        Assert.Contains("empty entry", message);
    }
}
