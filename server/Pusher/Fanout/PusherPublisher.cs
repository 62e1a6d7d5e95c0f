using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Pusher.Events;

namespace Notifications.Pusher.Fanout;

/// <summary>
/// The Pusher door's messages for the bus. What sockets and the presence roster produce (client events,
/// presence deltas and dumps, heartbeats) is queued without waiting, up to <see cref="Capacity"/>, and drained
/// in batches once the subscription exists; while Pub/Sub refuses, a batch is retried with backoff for up to
/// PUBLISH_TIMEOUT_SECONDS, then dropped and logged (presence repairs itself from the next heartbeats). The HTTP
/// API publishes directly (<see cref="PublishNowAsync"/>), so its caller hears whether the bus took the events.
/// Client events may fill only <see cref="ClientEventCapacity"/> of the queue: the rest is presence's, so a flood of
/// client events cannot drop the joins and leaves the other instances' rosters are made of.
/// </summary>
internal sealed partial class PusherPublisher(IMessageBus bus, BusHealth health, IOptions<DeliveryOptions> delivery, TimeProvider clock,
    ILogger<PusherPublisher> logger) : BackgroundService
{
    public const int Capacity = 10_000;
    public const int ClientEventCapacity = Capacity * 3 / 4;
    private const int MaxBatch = 100;

    private readonly record struct Queued(byte[] Body, bool ClientEvent);

    private readonly Channel<Queued> _queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(delivery.Value.PublishTimeoutSeconds);
    private readonly List<OutgoingMessage> _batch = new(MaxBatch);
    private int _clientEvents;

    /// <summary>Queues a client event for the bus; false when client events fill their share of the queue.</summary>
    public bool TryPublish(PusherEvent clientEvent)
    {
        if (Interlocked.Increment(ref _clientEvents) <= ClientEventCapacity && Write(new Queued(PusherBusFrames.Event(clientEvent), true)))
            return true;
        Interlocked.Decrement(ref _clientEvents);
        return false;
    }

    /// <summary>Queues a presence message for the bus; false when the queue is full.</summary>
    public bool Enqueue(byte[] body) => Write(new Queued(body, false));

    private bool Write(Queued item)
    {
        if (_queue.Writer.TryWrite(item))
            return true;
        // A refused client event is told to its sender, and a flood of them must not flood the log.
        if (!item.ClientEvent)
            Log.QueueFull(logger, Capacity);
        return false;
    }

    /// <summary>Publishes the API's events now; throws <see cref="BusUnavailableException"/> when Pub/Sub would not take them.</summary>
    public Task PublishNowAsync(IReadOnlyList<PusherEvent> events, CancellationToken cancellationToken) =>
        bus.PublishAsync([.. events.Select(e => new OutgoingMessage(PusherBusFrames.Event(e)))], cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await health.WaitUntilSubscribedAsync(stoppingToken);
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                {
                    if (item.ClientEvent)
                        Interlocked.Decrement(ref _clientEvents);
                    _batch.Add(new OutgoingMessage(item.Body));
                }
                await PublishBatchAsync(stoppingToken);
                _batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishBatchAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), clock);
        long started = clock.GetTimestamp();
        while (true)
        {
            // Taken before the call: a recovery while it is in flight still cuts the wait short.
            var recovery = health.NextRecovery;
            try
            {
                await bus.PublishAsync(_batch, cancellationToken);
                return;
            }
            catch (BusUnavailableException e)
            {
                if (!await backoff.WaitAsync(recovery, cancellationToken))
                    return;
                if (clock.GetElapsedTime(started) > _timeout)
                {
                    Log.Dropped(logger, _batch.Count, e.Message);
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
            Message = "The Pusher door's bus queue is full ({Capacity} messages): a presence message was dropped.")]
        public static partial void QueueFull(ILogger logger, int capacity);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
            Message = "Dropped {Count} Pusher bus messages (client events, presence) that Pub/Sub would not take in time: {Reason}.")]
        public static partial void Dropped(ILogger logger, int count, string reason);
    }
}

/// <summary>The Pusher door's bus messages as UTF-8 JSON, <c>type</c> first (the relay recognises them by it).</summary>
internal static class PusherBusFrames
{
    private static PusherBusJsonContext Json => PusherBusJsonContext.Default;

    public static byte[] Event(PusherEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Json.PusherEvent);

    public static byte[] Of(Presence.PresenceDelta delta) => JsonSerializer.SerializeToUtf8Bytes(delta, Json.PresenceDelta);

    public static byte[] Of(Presence.PresenceStatePart part) => JsonSerializer.SerializeToUtf8Bytes(part, Json.PresenceStatePart);

    public static byte[] Of(Presence.PresenceStateRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, Json.PresenceStateRequest);

    public static byte[] Of(Presence.PresenceHeartbeat heartbeat) => JsonSerializer.SerializeToUtf8Bytes(heartbeat, Json.PresenceHeartbeat);

    public static byte[] Of(Census.CensusPart part) => JsonSerializer.SerializeToUtf8Bytes(part, Json.CensusPart);
}
