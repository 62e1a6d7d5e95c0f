using Notifications.Bus;

namespace Notifications.Delivery;

/// <summary>
/// Takes topic messages of kinds the alert reader does not know (the Pusher door's events and presence), before
/// that reader sees them. Called on the receive loop, one message at a time: never wait.
/// </summary>
internal interface IBusMessageRelay
{
    /// <summary>Whether the message is this relay's kind; a quick look at its start, no parsing.</summary>
    bool Claims(BusMessage message);

    /// <summary>Handles, or drops with a log line, a message this relay <see cref="Claims"/>.</summary>
    void Relay(BusMessage message);
}

/// <summary>How an alert on one of our channels reads to sockets that speak a dialect (Pusher's), if that channel is one of theirs.</summary>
internal interface IAlertDialect
{
    /// <summary>The frame for dialect members of <see cref="Messages.AlertMessage.Channel"/>; null when no dialect socket can be on it.</summary>
    WebSockets.SocketFrame? ForAlert(Messages.AlertMessage alert);
}
