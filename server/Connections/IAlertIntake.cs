namespace Notifications.Connections;

/// <summary>Where an alert a client sent goes once accepted: queued for the topic (the outbound buffer, in Delivery).</summary>
internal interface IAlertIntake
{
    /// <summary>
    /// Stamps and queues the alert for <paramref name="channel"/> without waiting; false if it cannot be
    /// queued now. If it is given up later, <paramref name="sender"/> hears of it through <see cref="Connection.PublishFailed"/>.
    /// </summary>
    bool TryAccept(string text, string channel, Connection sender, out string alertId);
}
