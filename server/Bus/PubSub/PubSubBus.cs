using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Notifications.Bus.PubSub.Grpc;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Bus.PubSub;

/// <summary>
/// Google Cloud Pub/Sub (or its emulator) spoken over its v1 gRPC API: one shared topic,
/// one subscription per instance, StreamingPull to receive. Split by concern:
/// <c>.Subscription.cs</c> makes and removes resources, <c>.Receive.cs</c> keeps a pull stream open,
/// <c>.Stream.cs</c> runs one, <c>.Sweep.cs</c> serves the sweeper. Every call's outcome goes to <see cref="BusHealth"/>, which logs
/// failure episodes; nothing here logs a failed call on its own.
/// </summary>
internal sealed partial class PubSubBus : IMessageBus, ISubscriptionAdmin, IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _channel;
    private readonly Publisher.PublisherClient _publisher;
    private readonly Subscriber.SubscriberClient _subscriber;
    private readonly PubSubNames _names;
    private readonly InstanceOptions _instance;
    private readonly string _endpoint;
    private readonly BusHealth _health;
    private readonly TimeProvider _clock;
    private readonly NotificationsMetrics _metrics;
    private readonly ILogger<PubSubBus> _logger;

    public PubSubBus(
        IOptions<PubSubOptions> options, IOptions<InstanceOptions> instance,
        BusHealth health, TimeProvider clock, NotificationsMetrics metrics, ILogger<PubSubBus> logger)
        : this(PubSubChannelFactory.Create(options.Value), options.Value, instance.Value, health, clock, metrics, logger)
    {
    }

    /// <summary>Over a channel made elsewhere: unit tests put a transport of their own under it.</summary>
    internal PubSubBus(
        (GrpcChannel Channel, string Project) channel, PubSubOptions options, InstanceOptions instance,
        BusHealth health, TimeProvider clock, NotificationsMetrics metrics, ILogger<PubSubBus> logger)
    {
        (_channel, string project) = channel;
        _publisher = new Publisher.PublisherClient(_channel);
        _subscriber = new Subscriber.SubscriberClient(_channel);
        _instance = instance;
        _names = PubSubNames.For(project, options.Topic, _instance.InstanceId, PubSubNames.NewBoot());
        Kind = options.Mode == BusMode.Emulator ? "pubsub-emulator" : "pubsub";
        _endpoint = options.Mode == BusMode.Emulator ? options.EmulatorHost! : options.Endpoint;
        _health = health;
        // What a stream that died had in flight comes back once its ack deadline has passed, give or take.
        _health.RedeliveryWindow = TimeSpan.FromSeconds(StreamAckDeadlineSeconds + 5);
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

    public string Kind { get; }
    public string? SubscriptionName => _names.Subscription;
    public string? SubscriptionId => _names.SubscriptionId;
    public string OwnSubscriptionId => _names.SubscriptionId;

    /// <summary>Below Pub/Sub's 10 MB a publish request, with room for the request's own fields.</summary>
    internal const int MaxRequestBytes = 9 * 1024 * 1024;
    /// <summary>Pub/Sub's most messages in one publish request.</summary>
    internal const int MaxRequestMessages = 1000;

    /// <summary>Publishes the messages in order, in as many requests as Pub/Sub's limits take.</summary>
    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var request in Requests(_names.Topic, messages))
            await PublishAsync(request, cancellationToken);
    }

    /// <summary>
    /// The messages as publish requests within Pub/Sub's limits, in order: a batch of large alerts or Pusher events
    /// (each at most a few MB once escaped) would otherwise be refused whole, and retried until it was given up.
    /// </summary>
    internal static List<PublishRequest> Requests(string topic, IReadOnlyList<OutgoingMessage> messages)
    {
        var requests = new List<PublishRequest>(1);
        PublishRequest? request = null;
        int bytes = 0;
        foreach (var message in messages)
        {
            var data = ByteString.CopyFrom(message.Encode().Span);
            if (request is null || request.Messages.Count == MaxRequestMessages || request.Messages.Count > 0 && bytes + data.Length > MaxRequestBytes)
            {
                requests.Add(request = new PublishRequest { Topic = topic });
                bytes = 0;
            }
            request.Messages.Add(new PubsubMessage { Data = data });
            bytes += data.Length;
        }
        return requests;
    }

    private async Task PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        long started = _clock.GetTimestamp();
        try
        {
            await _publisher.PublishAsync(request, deadline: Deadline(PublishTimeout), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Publish.Failed(e.StatusCode, RpcFailure.Describe(e, _endpoint), started);
            if (e.StatusCode == StatusCode.NotFound)
                TopicMissing();
            throw new BusUnavailableException($"Pub/Sub did not take the message ({e.StatusCode}).", e);
        }
        catch (RpcException e)
        {
            // Cancelled by the caller: whatever status raced the cancel (Cancelled, or a refusal that was on its way), it ends as a cancellation.
            throw new OperationCanceledException("Publishing was cancelled.", e, cancellationToken);
        }
        _health.Publish.Succeeded(started);
    }

    private DateTime Deadline(TimeSpan timeout) => _clock.GetUtcNow().UtcDateTime + timeout;

    public void Dispose() => _channel.Dispose();
}
