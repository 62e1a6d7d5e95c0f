using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
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

    /// <summary>
    /// True if <paramref name="path"/> is one of that instance's subscriptions: <c>ID_&lt;instance&gt;_</c> and
    /// eight lower-case hex digits, a new boot id in each process. Test instance ids need no escaping.
    /// </summary>
    public static bool IsSubscriptionOf(string path, string instanceId) =>
        Regex.IsMatch(path, $"^projects/{Project}/subscriptions/ID_{Regex.Escape(instanceId)}_[0-9a-f]{{8}}$");

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

    /// <summary>Every subscription of one instance id, in any of its lives, on any topic of the test project.</summary>
    public async Task<IReadOnlyList<Subscription>> SubscriptionsOfAsync(string instanceId)
    {
        var found = new List<Subscription>();
        string pageToken = "";
        do
        {
            var page = await _subscriber.ListSubscriptionsAsync(new ListSubscriptionsRequest { Project = $"projects/{Project}", PageSize = 1000, PageToken = pageToken });
            found.AddRange(page.Subscriptions.Where(s => IsSubscriptionOf(s.Name, instanceId)));
            pageToken = page.NextPageToken;
        } while (pageToken.Length > 0);
        return found;
    }

    /// <summary>The instance's subscription, or null if it has none; more than one fails the test.</summary>
    public async Task<Subscription?> GetSubscriptionAsync(string instanceId)
    {
        var all = await SubscriptionsOfAsync(instanceId);
        Assert.True(all.Count <= 1, $"{instanceId} has {all.Count} subscriptions: {string.Join(", ", all.Select(s => s.Name))}");
        return all.SingleOrDefault();
    }

    /// <summary>Deletes every subscription the instance has, as an operator might.</summary>
    public async Task DeleteSubscriptionAsync(string instanceId)
    {
        foreach (var subscription in await SubscriptionsOfAsync(instanceId))
            await _subscriber.DeleteSubscriptionAsync(new DeleteSubscriptionRequest { Subscription = subscription.Name });
    }

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

    /// <summary>
    /// Deletes the topic, as an operator might: its subscriptions stay, detached from it. The server's trimmed proto has no
    /// DeleteTopic, so the call goes by the method's name, its request being GetTopicRequest's twin on the wire (the topic, field 1).
    /// </summary>
    public async Task DeleteTopicAsync(string topic)
    {
        var method = new Method<GetTopicRequest, Empty>(MethodType.Unary, "google.pubsub.v1.Publisher", "DeleteTopic",
            Marshallers.Create(r => r.ToByteArray(), GetTopicRequest.Parser.ParseFrom),
            Marshallers.Create(r => r.ToByteArray(), Empty.Parser.ParseFrom));
        await _channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), new GetTopicRequest { Topic = TopicPath(topic) });
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
