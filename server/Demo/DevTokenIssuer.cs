using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Demo;

/// <summary>A connection token minted for the demo: the JWT, the user it names, and when it ends.</summary>
internal sealed record DevToken(string Token, string User, DateTimeOffset ExpiresAt);

/// <summary>
/// Signs HS256 connection tokens with <c>AUTH_HS256_SECRET</c> for whatever user name it is given, as an
/// application's backend would for its signed-in users (with <c>iss</c>/<c>aud</c> when those are required).
/// This is what makes <c>DEV_TOKENS</c> unfit for production: anyone may ask for anyone's token.
/// </summary>
internal sealed class DevTokenIssuer(IOptions<AuthOptions> auth, IOptions<DemoOptions> demo, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>What is wrong with <paramref name="user"/> as a token's <c>sub</c>, or null: its <c>user:</c> channel must be a valid name.</summary>
    public static string? UserProblem(string? user) =>
        string.IsNullOrEmpty(user) || ChannelName.Problem(ChannelName.ForUser(user)) is not null || user.EndsWith(':')
            ? $"A user name is 1 to {ChannelName.MaxLength - ChannelName.UserPrefix.Length} ASCII letters, digits and : _ - . (not ending in ':')."
            : null;

    public DevToken Issue(string user)
    {
        var o = auth.Value;
        var now = clock.GetUtcNow();
        var expires = now.AddSeconds(demo.Value.DevTokenSeconds);
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = user },
            IssuedAt = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Issuer = string.IsNullOrWhiteSpace(o.Issuer) ? null : o.Issuer.Trim(),
            Audience = o.Audiences.FirstOrDefault(),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(o.Hs256Secret!)), SecurityAlgorithms.HmacSha256),
        };
        // exp is whole seconds in the token; say the same here.
        return new DevToken(_handler.CreateToken(descriptor), user, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
