using Notifications.Channels;
using Notifications.Messages;

namespace Notifications.Identity;

/// <summary>
/// The rules of <c>refresh</c> and of expiry. A refresh may extend or narrow a signed-in connection but
/// never change whose it is: the new token's <c>sub</c> must be the old one's, and an anonymous
/// connection cannot sign in halfway (it reconnects with a token). A connection whose token runs out
/// without a refresh is closed with <see cref="ExpiredCloseCode"/> once the clock skew has passed too.
/// </summary>
internal static class IdentityRefresh
{
    /// <summary>The close code for "your token expired": 4000–4999 is for applications (RFC 6455 §7.4.2); 4001 echoes HTTP's 401.</summary>
    public const int ExpiredCloseCode = 4001;

    public const string ExpiredCloseReason = "token expired";

    /// <summary>The answer to a refresh on a connection opened without a token, which need not check the token to say so.</summary>
    public static ChannelVerdict Anonymous { get; } =
        ChannelVerdict.Refuse(ErrorCodes.TokenMismatch, "This connection was opened without a token; reconnect with one to sign in.");

    /// <summary>Why <paramref name="next"/> may not replace <paramref name="current"/>, or an allowed verdict.</summary>
    public static ChannelVerdict Check(ConnectionIdentity? current, ConnectionIdentity next)
    {
        if (current is null)
            return Anonymous;
        return current.UserId == next.UserId
            ? ChannelVerdict.Allow
            : ChannelVerdict.Refuse(ErrorCodes.TokenMismatch, "A refresh token must be for the same user (sub) as the connection's.");
    }

    /// <summary>When a connection holding <paramref name="identity"/> must be closed: its <c>exp</c> plus the skew every check allows.</summary>
    public static DateTimeOffset Deadline(ConnectionIdentity identity, TimeSpan clockSkew) =>
        identity.ExpiresAt > DateTimeOffset.MaxValue - clockSkew ? DateTimeOffset.MaxValue : identity.ExpiresAt + clockSkew;
}
