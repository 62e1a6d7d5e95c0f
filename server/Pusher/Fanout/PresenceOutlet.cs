using Notifications.Connections;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;
using Notifications.WebSockets;

namespace Notifications.Pusher.Fanout;

/// <summary>The presence roster's way out: its messages to the bus through the publisher's queue, its announcements to this instance's Pusher sockets on the channel.</summary>
internal sealed class PresenceOutlet(PusherPublisher publisher, ConnectionRegistry registry) : IPresenceOutlet
{
    public void Publish(PresenceDelta delta) => publisher.Enqueue(PusherBusFrames.Of(delta));

    public void Publish(PresenceStatePart part) => publisher.Enqueue(PusherBusFrames.Of(part));

    public void Publish(PresenceStateRequest request) => publisher.Enqueue(PusherBusFrames.Of(request));

    public void Announce(PresenceChange change, string? exceptSocketId)
    {
        if (!PusherChannelMap.TryFromInternal(change.Channel, out _, out var channel))
            return;
        var frame = change.Added ? PusherFrames.MemberAdded(channel.Name, change.Member) : PusherFrames.MemberRemoved(channel.Name, change.Member.UserId);
        registry.SendToChannel(change.Channel, null, SocketFrame.Text(frame), exceptSocketId);
    }
}
