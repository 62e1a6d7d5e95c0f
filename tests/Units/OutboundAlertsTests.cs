using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Delivery;
using Notifications.Messages;

namespace Notifications.Tests.Units;

/// <summary>The publish buffer between local senders and the topic, and the room it keeps for the publish API.</summary>
public sealed class OutboundAlertsTests
{
    private sealed class Sender : IAlertSender
    {
        public void PublishFailed(AlertMessage alert, string reason)
        {
        }
    }

    private static OutboundAlerts Buffer(int size) => new(Options.Create(new InstanceOptions { InstanceId = "i", Region = "ams" }),
        Options.Create(new DeliveryOptions { PublishBuffer = size }), TimeProvider.System);

    [Fact]
    public void Sockets_fill_three_quarters_of_the_buffer_and_the_publish_API_the_rest()
    {
        var buffer = Buffer(8);
        var sender = new Sender();
        for (int i = 0; i < 6; i++)
            Assert.True(buffer.TryEnqueue($"page {i}", "global", sender, out _));
        Assert.False(buffer.TryEnqueue("one page too many", "global", sender, out _));

        for (int i = 0; i < 2; i++)
            Assert.True(buffer.TryEnqueue(AlertIds.New(DateTimeOffset.UtcNow), $"backend {i}", "user:42", null, sender, out _));
        Assert.False(buffer.TryEnqueue(AlertIds.New(DateTimeOffset.UtcNow), "backend over", "user:42", null, sender, out _));
        Assert.Equal(8, buffer.Count);

        // Room given back is the sockets' again only below their share.
        buffer.Completed(2);
        Assert.False(buffer.TryEnqueue("still over the share", "global", sender, out _));
        buffer.Completed(1);
        Assert.True(buffer.TryEnqueue("under it", "global", sender, out _));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    [InlineData(10_000, 7_500)]
    public void A_small_buffer_still_takes_sockets_alerts(int size, int forSockets)
    {
        var buffer = Buffer(size);
        int taken = 0;
        while (taken <= size && buffer.TryEnqueue("x", "global", new Sender(), out _))
            taken++;
        Assert.Equal(forSockets, taken);
    }
}
