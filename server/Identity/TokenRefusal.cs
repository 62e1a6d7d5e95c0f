using Notifications.Channels;

namespace Notifications.Identity;

/// <summary>Why a token was refused, in words for a metric label.</summary>
internal enum TokenProblem
{
    /// <summary>No AUTH_* key is configured, so no token can be checked.</summary>
    NotAccepted,
    Malformed,
    Expired,
    NotYetValid,
    /// <summary>Not signed by any key this server trusts, signed with another algorithm than the key's, or not signed at all (<c>alg: none</c>).</summary>
    Signature,
    Issuer,
    Audience,
    /// <summary>Signed and current, but <c>sub</c>, <c>exp</c>, <c>channels</c> or <c>publish</c> is missing or malformed.</summary>
    Claims,
}

/// <summary>
/// A refused token: the problem and a sentence for the client (a 401's body or an error frame). The
/// sentence is ours, never the library's, and never holds the token or its claims' values.
/// </summary>
internal sealed record TokenRefusal(TokenProblem Problem, string Reason)
{
    public string Label => Problem switch
    {
        TokenProblem.NotAccepted => "not_accepted",
        TokenProblem.NotYetValid => "not_yet_valid",
        _ => Problem.ToString().ToLowerInvariant(),
    };
}

/// <summary>The outcome of checking a token: an identity, or the refusal.</summary>
internal readonly record struct TokenCheck(ConnectionIdentity? Identity, TokenRefusal? Refusal)
{
    public static TokenCheck Refuse(TokenProblem problem, string reason) => new(null, new TokenRefusal(problem, reason));
}
