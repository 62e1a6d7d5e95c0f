using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>Something that sent an alert and wants to hear if it could not be published.</summary>
internal interface IAlertSender
{
    void PublishFailed(AlertMessage alert, string reason);
}

/// <summary>An alert accepted from a local client, waiting for the topic.</summary>
internal sealed record PendingAlert(AlertMessage Alert, byte[] Body, IAlertSender? Sender, long EnqueuedAt);

/// <summary>
/// The bounded buffer between local clients and the topic. Accepting never waits: a full buffer is
/// refused at once, so the sender hears about it instead of being silently dropped.
/// </summary>
internal sealed class OutboundAlerts(IOptions<InstanceOptions> instance, IOptions<DeliveryOptions> options, TimeProvider clock)
{
    private readonly InstanceOptions _instance = instance.Value;
    private readonly Channel<PendingAlert> _queue = Channel.CreateBounded<PendingAlert>(
        new BoundedChannelOptions(options.Value.PublishBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<PendingAlert> Reader => _queue.Reader;
    public int Count => _queue.Reader.Count;

    /// <summary>Stamps the server-owned fields and queues the alert; false when the buffer is full or closed for shutdown.</summary>
    public bool TryEnqueue(string text, IAlertSender? sender, out AlertMessage alert)
    {
        var now = clock.GetUtcNow();
        alert = new AlertMessage(AlertIds.New(now), text, _instance.Region, _instance.InstanceId, now);
        return _queue.Writer.TryWrite(new PendingAlert(alert, Frames.Alert(alert), sender, clock.GetTimestamp()));
    }

    /// <summary>Stops accepting; what is queued still drains.</summary>
    public void Close() => _queue.Writer.TryComplete();
}
