using Notifications.Bus;

namespace Notifications.Delivery;

/// <summary>
/// Takes topic messages of kinds the alert reader does not know (the Pusher door's events and presence), before
/// that reader sees them. Called on the receive loop, one message at a time: never wait.
/// </summary>
internal interface IBusMessageRelay
{
    /// <summary>True when the message was this relay's (handled or dropped by it); false to pass it on.</summary>
    bool TryRelay(BusMessage message);
}

/// <summary>How an alert on one of our channels reads to sockets that speak a dialect (Pusher's), if that channel is one of theirs.</summary>
internal interface IAlertDialect
{
    /// <summary>The frame for dialect members of <see cref="Messages.AlertMessage.Channel"/>; null when no dialect socket can be on it.</summary>
    WebSockets.SocketFrame? ForAlert(Messages.AlertMessage alert);
}
