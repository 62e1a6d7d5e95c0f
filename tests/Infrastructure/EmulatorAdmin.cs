using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Tests.Infrastructure;

/// <summary>Talks to the emulator as an outsider would: to look at subscriptions and to publish raw messages.</summary>
internal sealed class EmulatorAdmin : IDisposable
{
    public const string Project = "notifications-test";
    private readonly GrpcChannel _channel;
    private readonly Publisher.PublisherClient _publisher;
    private readonly Subscriber.SubscriberClient _subscriber;

    public EmulatorAdmin(PubSubEmulator emulator)
    {
        _channel = GrpcChannel.ForAddress($"http://{emulator.HostPort}");
        _publisher = new Publisher.PublisherClient(_channel);
        _subscriber = new Subscriber.SubscriberClient(_channel);
    }

    public static string TopicPath(string topic) => $"projects/{Project}/topics/{topic}";

    public static string SubscriptionPath(string instanceId) => $"projects/{Project}/subscriptions/ID_{instanceId}";

    public async Task<IReadOnlyList<string>> SubscriptionsOnAsync(string topic)
    {
        try
        {
            var response = await _publisher.ListTopicSubscriptionsAsync(new ListTopicSubscriptionsRequest { Topic = TopicPath(topic), PageSize = 1000 });
            return response.Subscriptions;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return [];
        }
    }

    public async Task<Subscription?> GetSubscriptionAsync(string instanceId)
    {
        try
        {
            return await _subscriber.GetSubscriptionAsync(new GetSubscriptionRequest { Subscription = SubscriptionPath(instanceId) });
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteSubscriptionAsync(string instanceId) =>
        await _subscriber.DeleteSubscriptionAsync(new DeleteSubscriptionRequest { Subscription = SubscriptionPath(instanceId) });

    public async Task CreateTopicAsync(string topic)
    {
        try
        {
            await _publisher.CreateTopicAsync(new Topic { Name = TopicPath(topic) });
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }
    }

    /// <summary>Publishes raw bytes (and attributes) to the topic, as any Pub/Sub client could.</summary>
    public async Task<string> PublishAsync(string topic, byte[] data, IDictionary<string, string>? attributes = null)
    {
        var message = new PubsubMessage { Data = ByteString.CopyFrom(data) };
        if (attributes is not null)
            message.Attributes.Add(attributes);
        var request = new PublishRequest { Topic = TopicPath(topic), Messages = { message } };
        return (await _publisher.PublishAsync(request)).MessageIds.Single();
    }

    public void Dispose() => _channel.Dispose();
}
