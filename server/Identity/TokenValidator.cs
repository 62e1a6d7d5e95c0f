using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;

namespace Notifications.Identity;

/// <summary>
/// Checks connection tokens with <see cref="JsonWebTokenHandler"/>: a signature by a configured key with
/// that key's own algorithm (HS256, RS256 or ES256; unsigned tokens never pass), <c>exp</c> required and
/// within the clock skew, <c>iss</c> and <c>aud</c> when configured; then reads the claims into a
/// <see cref="Channels.ConnectionIdentity"/>.
/// </summary>
internal sealed class TokenValidator
{
    /// <summary>A token rides in a header; anything longer is not one of ours and is refused unread.</summary>
    public const int MaxTokenLength = 8 * 1024;

    /// <summary>A refresh frame's JSON around its token: <c>{"type":"refresh","token":""}</c> and room to spare.</summary>
    public const int RefreshEnvelopeBytes = 64;

    private readonly int _maxLength;
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };
    private readonly TokenValidationParameters _parameters;
    private readonly SigningKeys _keys;
    private readonly JwksSource? _jwks;

    public TokenValidator(IOptions<AuthOptions> options, IOptions<ConnectionOptions> connections, SigningKeys keys, JwksSource? jwks, TimeProvider clock)
    {
        var o = options.Value;
        // No longer than a refresh frame can carry, at the handshake too: a socket can always refresh the token it opened with.
        _maxLength = Math.Min(MaxTokenLength, connections.Value.MaxMessageBytes - RefreshEnvelopeBytes);
        _keys = keys;
        _jwks = jwks;
        var audiences = o.Audiences;
        _parameters = new TokenValidationParameters
        {
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(o.ClockSkewSeconds),
            // Ours, not the library's, so lifetimes are judged by the injected clock.
            LifetimeValidator = (notBefore, expires, _, parameters) => TokenLifetime.Check(notBefore, expires, clock.GetUtcNow(), parameters.ClockSkew),
            ValidAlgorithms = keys.Algorithms,
            IssuerSigningKeyResolver = (_, token, kid, _) => keys.For((token as JsonWebToken)?.Alg, kid),
            TryAllIssuerSigningKeys = false,
            ValidateIssuerSigningKey = false,
            ValidateIssuer = !string.IsNullOrWhiteSpace(o.Issuer),
            ValidIssuer = string.IsNullOrWhiteSpace(o.Issuer) ? null : o.Issuer.Trim(),
            ValidateAudience = audiences.Length > 0,
            ValidAudiences = audiences,
            ValidateTokenReplay = false,
            // Claims are read as JSON below; mapping them to .NET claim types would only cost time.
            SaveSigninToken = false,
        };
    }

    /// <summary>Whether any key is configured: with none, every token is refused (and AUTH_REQUIRED cannot be set).</summary>
    public bool Enabled => _keys.AnyConfigured;

    public async ValueTask<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!_keys.AnyConfigured)
            return TokenCheck.Refuse(TokenProblem.NotAccepted, "This server accepts no connection tokens: no signing key is configured.");
        if (token.Length > _maxLength)
            return TokenCheck.Refuse(TokenProblem.Malformed, $"The token is over {_maxLength} characters (WS_MAX_MESSAGE_BYTES less {RefreshEnvelopeBytes}, at most {MaxTokenLength}).");
        if (!_handler.CanReadToken(token))
            return TokenCheck.Refuse(TokenProblem.Malformed, "The token is not a compact JWT (header.payload.signature).");
        await RefreshIfKeyUnknownAsync(token, cancellationToken);

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
            return TokenCheck.Refuse(TokenFailures.Classify(result.Exception), TokenFailures.Describe(result.Exception));
        return IdentityClaims.Read((JsonWebToken)result.SecurityToken);
    }

    /// <summary>A key id no loaded key has may be a rotation the JWKS document already shows: read it again (rate-limited) before checking.</summary>
    private async Task RefreshIfKeyUnknownAsync(string token, CancellationToken cancellationToken)
    {
        if (_jwks is null || !_keys.JwksConfigured)
            return;
        string? kid;
        try
        {
            kid = new JsonWebToken(token).Kid;
        }
        catch (ArgumentException)
        {
            return; // malformed; validation says so
        }
        if (!_keys.Knows(kid))
            await _jwks.RefreshForUnknownKeyAsync(cancellationToken);
    }
}
