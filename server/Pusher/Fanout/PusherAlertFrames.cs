using System.Text;
using Notifications.Delivery;
using Notifications.Messages;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Protocol;
using Notifications.WebSockets;

namespace Notifications.Pusher.Fanout;

/// <summary>An alert sent through our door on <c>pusher:{app}:{channel}</c> reaches Pusher sockets as the event <c>alert</c>, its <c>data</c> the alert's JSON.</summary>
internal sealed class PusherAlertFrames : IAlertDialect
{
    public SocketFrame? ForAlert(AlertMessage alert) =>
        PusherChannelMap.TryFromInternal(alert.Channel, out _, out var channel)
            ? SocketFrame.Text(PusherFrames.Event(channel.Name, PusherChannelMap.AlertEvent, Encoding.UTF8.GetString(Frames.Alert(alert))))
            : null;
}
