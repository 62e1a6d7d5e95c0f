using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Notifications.Tests.Cloud;

/// <summary>
/// Google's OAuth token endpoint as a service account meets it: the JWT bearer grant (RFC 7523). It checks
/// the signed assertion against the key the test made (signature, issuer, audience, scope, times) and hands
/// out access tokens of a chosen lifetime, which the front then demands on every call.
/// </summary>
internal sealed class TokenEndpoint(TimeSpan lifetime)
{
    public const string Path = "/token";
    private const string Grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private const string PubSubScope = "https://www.googleapis.com/auth/pubsub";
    // Google demands this audience whatever address the assertion is posted to.
    private const string Audience = "https://oauth2.googleapis.com/token";
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private int _refusedAssertions;

    /// <summary>Tokens handed out so far.</summary>
    public int Issued => _tokens.Count;

    public int RefusedAssertions => Volatile.Read(ref _refusedAssertions);

    /// <summary>The key whose assertions are accepted; made once the endpoint's address is known.</summary>
    public ServiceAccountKey? Key { get; set; }

    public void Map(WebApplication app) => app.MapPost(Path, (Func<HttpContext, Task<IResult>>)ExchangeAsync);

    /// <summary>For the front: null if the header carries a token this endpoint issued and that has not expired, else why not.</summary>
    public string? Check(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            return "Request had no access token.";
        if (!_tokens.TryGetValue(authorization["Bearer ".Length..], out var expires))
            return "Request had an access token this endpoint never issued.";
        return expires > DateTimeOffset.UtcNow ? null : "Request had an expired access token.";
    }

    private async Task<IResult> ExchangeAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        string? problem = form["grant_type"] != Grant ? "unsupported grant" : Verify(form["assertion"].ToString());
        if (problem is not null)
        {
            Interlocked.Increment(ref _refusedAssertions);
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant", ["error_description"] = problem }, statusCode: 400);
        }
        string token = "ya29.test-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = DateTimeOffset.UtcNow + lifetime;
        return Results.Json(new Dictionary<string, object> { ["access_token"] = token, ["expires_in"] = (int)lifetime.TotalSeconds, ["token_type"] = "Bearer" });
    }

    /// <summary>Null if the assertion is a JWT the key signed (RS256) with the claims Google demands; else what is wrong.</summary>
    private string? Verify(string assertion)
    {
        if (Key is not { } key)
            return "no key yet";
        string[] parts = assertion.Split('.');
        if (parts.Length != 3)
            return "not a JWT";
        using var header = JsonDocument.Parse(Base64Url(parts[0]));
        if (header.RootElement.GetProperty("alg").GetString() != "RS256")
            return "not RS256";
        byte[] signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!key.PublicKey.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return "bad signature";
        using var payload = JsonDocument.Parse(Base64Url(parts[1]));
        var claims = payload.RootElement;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), iat = claims.GetProperty("iat").GetInt64(), exp = claims.GetProperty("exp").GetInt64();
        if (claims.GetProperty("iss").GetString() != key.ClientEmail)
            return "wrong issuer";
        if (claims.GetProperty("aud").GetString() != Audience)
            return $"wrong audience {claims.GetProperty("aud").GetString()}";
        if (!(claims.GetProperty("scope").GetString() ?? "").Split(' ').Contains(PubSubScope))
            return "no Pub/Sub scope";
        return iat <= now + 60 && exp > now && exp - iat <= 3600 ? null : "bad times";
    }

    private static byte[] Base64Url(string value)
    {
        string padded = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }
}

/// <summary>A service account key as Google hands it out (the JSON of <c>gcloud iam service-accounts keys create</c>), made for one test.</summary>
internal sealed class ServiceAccountKey : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);

    public ServiceAccountKey(string project, string tokenUri)
    {
        ProjectId = project;
        TokenUri = tokenUri;
        ClientEmail = $"notifications@{project}.iam.gserviceaccount.com";
        PublicKey = RSA.Create(_key.ExportParameters(false));
        Json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = ProjectId,
            ["private_key_id"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)),
            ["private_key"] = _key.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = ClientEmail,
            ["client_id"] = "100000000000000000001",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = TokenUri,
        });
    }

    public string ProjectId { get; }
    public string TokenUri { get; }
    public string ClientEmail { get; }
    public RSA PublicKey { get; }

    /// <summary>The key file's JSON: what GOOGLE_CREDENTIALS_JSON holds.</summary>
    public string Json { get; }

    public void Dispose()
    {
        _key.Dispose();
        PublicKey.Dispose();
    }
}
