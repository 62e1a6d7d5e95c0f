using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>Something that sent an alert and wants to hear if it could not be published.</summary>
internal interface IAlertSender
{
    void PublishFailed(AlertMessage alert, string reason);

    /// <summary>The topic took the alert. Only the publish API waits for this; a socket's sender needs no word.</summary>
    void Published(AlertMessage alert)
    {
    }
}

/// <summary>An alert accepted from a local client, waiting for the topic. A struct: the queue and the batch hold it inline, so waiting costs no object.</summary>
internal readonly record struct PendingAlert(AlertMessage Alert, IAlertSender Sender, long EnqueuedAt);

/// <summary>
/// The bounded buffer between local clients and the topic: PUBLISH_BUFFER counts every accepted alert
/// until it is published or given up, the batch the publisher holds included. Accepting never waits: a
/// full buffer is refused at once, so the sender hears about it instead of being silently dropped. Sockets'
/// alerts may fill only three quarters of it: the rest is the publish API's, so a flood from pages while
/// Pub/Sub is slow cannot refuse a backend's notifications.
/// </summary>
internal sealed class OutboundAlerts(IOptions<InstanceOptions> instance, IOptions<DeliveryOptions> options, TimeProvider clock)
{
    private readonly InstanceOptions _instance = instance.Value;
    private readonly int _capacity = options.Value.PublishBuffer;
    private readonly int _socketCapacity = options.Value.PublishBuffer - options.Value.PublishBuffer / 4;
    private readonly Channel<PendingAlert> _queue = Channel.CreateUnbounded<PendingAlert>(new UnboundedChannelOptions { SingleReader = true });
    private int _pending;

    public ChannelReader<PendingAlert> Reader => _queue.Reader;

    /// <summary>Alerts accepted and neither published nor given up yet.</summary>
    public int Count => Volatile.Read(ref _pending);

    /// <summary>Stamps the server-owned fields and queues a socket's alert for <paramref name="channel"/>; false when the sockets' share of the buffer is full or it is closed for shutdown.</summary>
    public bool TryEnqueue(string text, string channel, IAlertSender sender, out AlertMessage alert)
    {
        var now = clock.GetUtcNow();
        alert = new AlertMessage(AlertIds.New(now), text, _instance.Region, _instance.InstanceId, now, channel);
        return TryEnqueue(alert, sender, _socketCapacity);
    }

    /// <summary>Stamps the origin and send time on an alert whose id, channel, text and data are decided (the publish API's) and queues it; false when the whole buffer is full or closed.</summary>
    public bool TryEnqueue(string id, string text, string channel, JsonElement? data, IAlertSender sender, out AlertMessage alert)
    {
        alert = new AlertMessage(id, text, _instance.Region, _instance.InstanceId, clock.GetUtcNow(), channel, data);
        return TryEnqueue(alert, sender, _capacity);
    }

    private bool TryEnqueue(AlertMessage alert, IAlertSender sender, int capacity)
    {
        if (Interlocked.Increment(ref _pending) > capacity)
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }
        if (_queue.Writer.TryWrite(new PendingAlert(alert, sender, clock.GetTimestamp())))
            return true;
        Interlocked.Decrement(ref _pending);
        return false;
    }

    /// <summary>The publisher is done with <paramref name="count"/> alerts (published or given up): room for as many more.</summary>
    public void Completed(int count) => Interlocked.Add(ref _pending, -count);

    /// <summary>Stops accepting; what is queued still drains.</summary>
    public void Close() => _queue.Writer.TryComplete();
}
