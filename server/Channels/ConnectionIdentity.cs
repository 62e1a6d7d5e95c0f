using Notifications.Messages;

namespace Notifications.Channels;

/// <summary>
/// Who a socket's token says it is, once the token is checked: the user (<c>sub</c>), the channels
/// beyond the open ones it may join (<c>channels</c>) and publish to (<c>publish</c>), and when it ends (<c>exp</c>).
/// A socket without a token has no identity (null), not an empty one.
/// </summary>
internal sealed record ConnectionIdentity(string UserId, ChannelPatterns Channels, ChannelPatterns Publish, DateTimeOffset ExpiresAt)
{
    /// <summary>The channel every socket of this user is in, on every instance.</summary>
    public string UserChannel { get; } = ChannelName.ForUser(UserId);
}
