using Notifications.Connections;
using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>Takes the alerts local clients send into the outbound buffer, and tells a client when its alert was given up.</summary>
internal sealed class ClientAlerts(OutboundAlerts outbound) : IAlertIntake
{
    public bool TryAccept(string text, string channel, Connection sender, out string alertId)
    {
        bool accepted = outbound.TryEnqueue(text, channel, new Sender(sender), out var alert);
        alertId = alert.Id;
        return accepted;
    }

    private sealed class Sender(Connection connection) : IAlertSender
    {
        public void PublishFailed(AlertMessage alert, string reason) => connection.PublishFailed(alert.Text, reason);
    }
}
