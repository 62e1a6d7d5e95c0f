using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Channels;

/// <summary>
/// Who may join and publish to which channel. By namespace: <c>global</c> and <c>public:</c> anyone may
/// join; <c>user:&lt;id&gt;</c> only that signed-in user, whatever a token's patterns say; any other
/// namespace only a token whose <c>channels</c> pattern matches. Publishing needs the right to join,
/// and then <c>CHANNELS_CLIENT_PUBLISH</c> or the token's <c>publish</c> patterns; never to a <c>user:</c> channel.
/// </summary>
internal sealed class ChannelPolicy
{
    private readonly ChannelPatterns _clientPublish;

    public ChannelPolicy(IOptions<ChannelOptions> options)
    {
        MaxPerSocket = options.Value.MaxPerSocket;
        // Checked at boot by ChannelOptionsValidator; a bad list cannot get this far.
        ChannelPatterns.TryParseList(options.Value.ClientPublish, out _clientPublish, out _);
    }

    /// <summary>Channels one socket may join by frames (<c>CHANNELS_MAX_PER_SOCKET</c>); <c>global</c> and its own user channel do not count.</summary>
    public int MaxPerSocket { get; }

    public ChannelVerdict CanJoin(ConnectionIdentity? identity, string? channel)
    {
        if (ChannelName.Problem(channel) is { } problem)
            return ChannelVerdict.Refuse(ErrorCodes.InvalidChannel, problem);
        if (channel == ChannelName.Global || ChannelName.IsPublic(channel!))
            return ChannelVerdict.Allow;
        if (identity is null)
            return ChannelVerdict.Refuse(ErrorCodes.AuthRequired, $"Channel '{channel}' needs a connection token that allows it.");
        if (ChannelName.UserOf(channel!) is { } owner)
        {
            return owner == identity.UserId
                ? ChannelVerdict.Allow
                : ChannelVerdict.Refuse(ErrorCodes.ChannelForbidden, $"Channel '{channel}' belongs to another user.");
        }
        return identity.Channels.Matches(channel!)
            ? ChannelVerdict.Allow
            : ChannelVerdict.Refuse(ErrorCodes.ChannelForbidden, $"This connection's token does not allow channel '{channel}'.");
    }

    /// <summary>May this socket send alerts to <paramref name="channel"/>? The caller checks, besides, that the socket has joined it.</summary>
    public ChannelVerdict CanPublish(ConnectionIdentity? identity, string? channel)
    {
        var join = CanJoin(identity, channel);
        if (!join.Allowed)
            return join;
        if (ChannelName.UserOf(channel!) is not null)
            return ChannelVerdict.Refuse(ErrorCodes.PublishForbidden, "Clients may not publish to user channels; a backend does that.");
        return _clientPublish.Matches(channel!) || identity?.Publish.Matches(channel!) == true
            ? ChannelVerdict.Allow
            : ChannelVerdict.Refuse(ErrorCodes.PublishForbidden, $"Clients may not publish to '{channel}'.");
    }

    /// <summary>
    /// The channels among <paramref name="joined"/> that <paramref name="identity"/> may no longer join:
    /// what a socket must leave after a refresh narrowed its token.
    /// </summary>
    public List<string> NoLongerAllowed(ConnectionIdentity? identity, IEnumerable<string> joined) =>
        joined.Where(channel => !CanJoin(identity, channel).Allowed).ToList();
}
