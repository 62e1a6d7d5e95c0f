using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;
using Notifications.Identity;

namespace Notifications.Tests.Units.Identity;

/// <summary>Mints tokens the way an application's backend would (with the library), and the broken ones an attacker would (by hand).</summary>
internal static class TestTokens
{
    public const string Secret = "test-secret-of-at-least-thirty-two-bytes!";
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static Dictionary<string, object> Claims(string sub = "42", TimeSpan? expiresIn = null, params (string Name, object Value)[] more)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["exp"] = (Now + (expiresIn ?? TimeSpan.FromHours(1))).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in more)
            claims[name] = value;
        return claims;
    }

    public static string Sign(SecurityKey key, string algorithm, Dictionary<string, object> claims, string? kid = null)
    {
        if (kid is not null)
            key.KeyId = kid;
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = new SigningCredentials(key, algorithm) });
    }

    public static string Hs256(Dictionary<string, object> claims, string secret = Secret) =>
        Sign(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256, claims);

    /// <summary>Header and payload as given, with the signature a signer of <paramref name="alg"/> "none" leaves: nothing.</summary>
    public static string Unsigned(Dictionary<string, object> claims, string alg = "none") =>
        $"{Base64Url(JsonSerializer.Serialize(new { alg, typ = "JWT" }))}.{Base64Url(JsonSerializer.Serialize(claims))}.";

    /// <summary>A token whose payload was swapped after signing: the signature is genuine, for other claims.</summary>
    public static string Forged(string token, Dictionary<string, object> claims)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Base64Url(JsonSerializer.Serialize(claims))}.{parts[2]}";
    }

    public static string Base64Url(string text) => Base64UrlEncoder.Encode(text);

    public static string Base64Url(byte[] bytes) => Base64UrlEncoder.Encode(bytes);

    public static string WriteTemp(string text, string extension = ".pem")
    {
        var path = Path.Combine(Path.GetTempPath(), $"notifications-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, text);
        return path;
    }

    public static string RsaJwk(RSA rsa, string kid) =>
        $$"""{"kty":"RSA","kid":"{{kid}}","use":"sig","alg":"RS256","n":"{{Base64Url(rsa.ExportParameters(false).Modulus!)}}","e":"{{Base64Url(rsa.ExportParameters(false).Exponent!)}}"}""";

    public static string EcJwk(ECDsa ec, string kid)
    {
        var q = ec.ExportParameters(false).Q;
        return $$"""{"kty":"EC","kid":"{{kid}}","crv":"P-256","x":"{{Base64Url(q.X!)}}","y":"{{Base64Url(q.Y!)}}"}""";
    }

    public static (TokenValidator Validator, SigningKeys Keys, JwksSource Jwks) Validator(AuthOptions options, FakeTimeProvider? clock = null, int maxMessageBytes = 16_384)
    {
        clock ??= new FakeTimeProvider(Now);
        var wrapped = Options.Create(options);
        var keys = new SigningKeys(wrapped);
        var jwks = new JwksSource(keys, wrapped, clock, NullLogger<JwksSource>.Instance);
        return (new TokenValidator(wrapped, Options.Create(new ConnectionOptions { MaxMessageBytes = maxMessageBytes }), keys, jwks, clock), keys, jwks);
    }

    public static async Task<TokenCheck> CheckAsync(this TokenValidator validator, string token) =>
        await validator.ValidateAsync(token, TestContext.Current.CancellationToken);
}
