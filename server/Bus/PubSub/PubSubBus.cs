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
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

    public string Kind { get; }
    public string? SubscriptionName => _names.Subscription;
    public string? SubscriptionId => _names.SubscriptionId;
    public string OwnSubscriptionId => _names.SubscriptionId;

    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var request = new PublishRequest { Topic = _names.Topic };
        foreach (var message in messages)
            request.Messages.Add(new PubsubMessage { Data = ByteString.CopyFrom(message.Encode().Span) });
        long started = _clock.GetTimestamp();
        try
        {
            await _publisher.PublishAsync(request, deadline: Deadline(PublishTimeout), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            _health.Publish.Failed(e.StatusCode, RpcFailure.Describe(e, _endpoint), started);
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
