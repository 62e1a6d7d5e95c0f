using Microsoft.IdentityModel.Tokens;

namespace Notifications.Identity;

/// <summary>Turns the handler's exceptions into our problems and sentences: the library's messages are for developers, and may quote the token.</summary>
internal static class TokenFailures
{
    public static TokenProblem Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => TokenProblem.Expired,
        SecurityTokenNotYetValidException => TokenProblem.NotYetValid,
        SecurityTokenNoExpirationException or SecurityTokenInvalidLifetimeException => TokenProblem.Claims,
        SecurityTokenInvalidIssuerException => TokenProblem.Issuer,
        SecurityTokenInvalidAudienceException => TokenProblem.Audience,
        SecurityTokenMalformedException or ArgumentException => TokenProblem.Malformed,
        _ => TokenProblem.Signature,
    };

    public static string Describe(Exception? exception) => Classify(exception) switch
    {
        TokenProblem.Expired => "The token has expired (exp is past); get a fresh one.",
        TokenProblem.NotYetValid => "The token is not valid yet (nbf is in the future).",
        TokenProblem.Claims => "The token needs an exp claim after its nbf.",
        TokenProblem.Issuer => "The token's issuer (iss) is not the one this server accepts.",
        TokenProblem.Audience => "The token's audience (aud) is not this server.",
        TokenProblem.Malformed => "The token is not a well-formed JWT.",
        _ => "The token's signature does not check out: it is unsigned, signed with an algorithm this server does not use for that key, or by a key it does not trust.",
    };
}
