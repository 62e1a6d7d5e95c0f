using Notifications.Bus;
using Notifications.Bus.PubSub;

namespace Notifications.Tests.Units;

/// <summary>A batch goes to Pub/Sub in requests it takes: at most 1,000 messages and well under 10 MB each, in order.</summary>
public sealed class PublishRequestsTests
{
    private static OutgoingMessage Message(int bytes, byte tag) => new(Enumerable.Repeat(tag, bytes).ToArray());

    [Fact]
    public void A_batch_within_the_limits_is_one_request()
    {
        var requests = PubSubBus.Requests("projects/p/topics/t", [Message(100, 1), Message(200, 2)]);

        var request = Assert.Single(requests);
        Assert.Equal("projects/p/topics/t", request.Topic);
        Assert.Equal([1, 2], request.Messages.Select(m => (int)m.Data[0]));
    }

    [Fact]
    public void Large_messages_are_split_across_requests_in_order_and_none_is_over_the_byte_limit()
    {
        int large = 4 * 1024 * 1024;
        var requests = PubSubBus.Requests("t", [Message(large, 1), Message(large, 2), Message(large, 3), Message(10, 4)]);

        Assert.Equal([[1, 2], [3, 4]], requests.Select(r => r.Messages.Select(m => (int)m.Data[0]).ToArray()));
        Assert.All(requests, r => Assert.True(r.Messages.Sum(m => m.Data.Length) <= PubSubBus.MaxRequestBytes));
    }

    [Fact]
    public void More_than_a_thousand_messages_go_in_several_requests()
    {
        var requests = PubSubBus.Requests("t", [.. Enumerable.Range(0, 2500).Select(i => Message(8, (byte)(i % 250)))]);

        Assert.Equal([1000, 1000, 500], requests.Select(r => r.Messages.Count));
    }

    [Fact]
    public void One_message_over_the_byte_limit_still_goes_alone_for_Pub_Sub_to_judge()
    {
        var requests = PubSubBus.Requests("t", [Message(10, 1), Message(PubSubBus.MaxRequestBytes + 1, 2), Message(10, 3)]);

        Assert.Equal([1, 1, 1], requests.Select(r => r.Messages.Count));
    }
}
