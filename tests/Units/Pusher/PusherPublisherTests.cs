using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Pusher.Events;
using Notifications.Pusher.Fanout;

namespace Notifications.Tests.Units.Pusher;

/// <summary>The Pusher door's bus queue while nothing drains it (Pub/Sub slow or away): client events cannot take presence's room.</summary>
public sealed class PusherPublisherTests
{
    [Fact]
    public void Client_events_fill_only_their_share_and_presence_messages_still_go_out()
    {
        using var bus = new AnsweredBus();
        var log = new FakeLogger<PusherPublisher>();
        var publisher = new PusherPublisher(bus.Bus, bus.Health, Options.Create(new DeliveryOptions()), bus.Clock, log);
        var clientEvent = new PusherEvent(PusherEvent.NewId(), "app", ["private-room"], "client-typing", null, "1.2", null);

        int taken = 0;
        while (taken <= PusherPublisher.Capacity && publisher.TryPublish(clientEvent))
            taken++;
        Assert.Equal(PusherPublisher.ClientEventCapacity, taken);
        Assert.Empty(log.Collector.GetSnapshot()); // a refused client event is its sender's to hear of, not the log's

        for (int i = 0; i < PusherPublisher.Capacity - PusherPublisher.ClientEventCapacity; i++)
            Assert.True(publisher.Enqueue("""{"type":"presence_delta"}"""u8.ToArray()), $"presence message {i}");
        Assert.False(publisher.Enqueue("""{"type":"presence_delta"}"""u8.ToArray()));
        Assert.Single(log.Collector.GetSnapshot());
    }
}
