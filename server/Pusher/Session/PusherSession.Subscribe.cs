using Notifications.Pusher.Auth;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;

namespace Notifications.Pusher.Session;

internal sealed partial class PusherSession
{
    /// <summary>The channels this socket is subscribed to, by their Pusher names.</summary>
    public IReadOnlyCollection<string> Channels
    {
        get
        {
            lock (_gate)
                return [.. _subscriptions.Keys];
        }
    }

    private void Subscribe(SubscribeFrame request)
    {
        if (!PusherChannel.TryParse(request.Channel, out var channel))
        {
            Refuse(Shorten.To(request.Channel, PusherChannel.MaxNameLength), PusherErrorCodes.SubscriptionRefused, "InvalidChannel",
                $"Channel names are 1 to {PusherChannel.MaxNameLength} of A-Z a-z 0-9 _ - = @ , . ; (or #server-to-user-<id>).");
            return;
        }
        bool joined = _subscriptions.TryGetValue(channel.Name, out var existing);
        if (!joined && _subscriptions.Count >= _app.Limits.MaxChannelsPerConnection)
        {
            Refuse(channel.Name, PusherErrorCodes.SubscriptionRefused, "LimitReached",
                $"A socket may be on at most {_app.Limits.MaxChannelsPerConnection} channels of this app.");
            return;
        }
        // Past here a request costs work (a presence subscription builds its member list), so it is charged.
        if (!TakeRequest())
            return;
        if (joined)
        {
            Succeed(existing!);
            return;
        }
        if (Authorize(channel, request) is not { } subscription)
            return;
        _rooms.Join(subscription.Internal);
        _subscriptions[channel.Name] = subscription;
        Succeed(subscription);
    }

    /// <summary>The subscription the request may make, or null after telling the client why not.</summary>
    private Subscription? Authorize(PusherChannel channel, SubscribeFrame request)
    {
        string internalName = PusherChannelMap.ToInternal(_app.Id, channel.Name);
        string? refusal = channel.Kind switch
        {
            PusherChannelKind.Public => null,
            PusherChannelKind.ServerToUser => channel.UserId == UserId ? null : $"Only a socket signed in as '{channel.UserId}' may subscribe to {channel.Name}.",
            _ => ChannelAuthorizer.Check(_app, SocketId, channel, request.Auth, request.ChannelData, UserId is not null),
        };
        if (refusal is not null)
        {
            Refuse(channel.Name, PusherErrorCodes.Unauthorized, "AuthError", refusal);
            return null;
        }
        if (channel.Kind != PusherChannelKind.Presence)
            return new Subscription(channel, internalName, null);
        return PresenceSubscription(channel, internalName, request.ChannelData);
    }

    private Subscription? PresenceSubscription(PusherChannel channel, string internalName, string? channelData)
    {
        string? error = $"Without channel_data a socket joins {channel.Name} as the user it signed in as, whose user_info is over this app's limit of {_app.Limits.MaxUserInfoBytes} bytes.";
        var member = string.IsNullOrEmpty(channelData) ? _signedInAs : PresenceMember.Parse(channelData, _app.Limits.MaxUserInfoBytes, out error);
        if (member is null)
        {
            Refuse(channel.Name, PusherErrorCodes.Unauthorized, "AuthError", error!);
            return null;
        }
        if (_presence.MemberCount(internalName) >= _app.Limits.MaxPresenceMembers && !_presence.Contains(internalName, member.UserId))
        {
            Refuse(channel.Name, PusherErrorCodes.SubscriptionRefused, "LimitReached",
                $"{channel.Name} has {_app.Limits.MaxPresenceMembers} members, this app's limit.");
            return null;
        }
        return new Subscription(channel, internalName, member);
    }

    private void Succeed(Subscription subscription)
    {
        if (subscription.Member is not { } member)
            _sink.Send(PusherFrames.SubscriptionSucceeded(subscription.Channel.Name));
        else
        {
            // Joining again is harmless: the roster counts this socket once.
            _presence.Join(subscription.Internal, SocketId, member,
                members => PusherFrames.PresenceSubscriptionSucceeded(subscription.Channel.Name, members), _sink.Send);
        }
        // Pusher replays a cache channel's last event here; this server keeps none, and says so as Pusher does when it has none.
        if (subscription.Channel.IsCache)
            _sink.Send(PusherFrames.CacheMiss(subscription.Channel.Name));
    }

    /// <summary>Tells the channel's listeners (Echo's <c>.error()</c>) and the connection's why a subscription was refused.</summary>
    private void Refuse(string channel, int code, string type, string message)
    {
        int status = code == PusherErrorCodes.Unauthorized ? PusherErrorCodes.AuthErrorStatus : code;
        _sink.Send(PusherFrames.SubscriptionError(channel, type, message, status));
        _sink.Send(PusherFrames.Error(code, message, channel));
    }

    private void Unsubscribe(string name)
    {
        if (!_subscriptions.Remove(name, out var subscription))
            return;
        _rooms.Leave(subscription.Internal);
        if (subscription.Member is { } member)
            _presence.Leave(subscription.Internal, SocketId, member.UserId);
    }
}
