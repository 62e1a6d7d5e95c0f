using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Notifications.Bench.Metrics;
using Notifications.Bench.Ws;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bench.PubSub;

/// <summary>What the bare subscriber saw in one step: deliveries, and latency split at Pub/Sub's publish time.</summary>
internal sealed class BareLeg(int step, long maxAlerts)
{
    public DeliveryLedger Ledger { get; } = new(step, 1, maxAlerts);
    /// <summary>Intended send → the emulator's publish time: client socket, origin instance, Publish RPC.</summary>
    public Recorder Publish { get; } = new();
    /// <summary>Publish time → arrival here: the emulator's own delivery over StreamingPull.</summary>
    public Recorder Deliver { get; } = new();
}

/// <summary>
/// A subscriber on the emulator with no server in between, speaking the same trimmed v1 gRPC API as
/// the server (StreamingPull, ack per response). Its latency is the emulator's own, so the relay's
/// overhead is the sockets' latency minus this one, measured in the same run.
/// </summary>
internal sealed class BareSubscriber : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Subscriber.SubscriberClient _subscriber;
    private readonly string _subscription;
    private readonly ClientHub _hub;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private BareSubscriber(GrpcChannel channel, string subscription, ClientHub hub)
    {
        _channel = channel;
        _subscriber = new Subscriber.SubscriberClient(channel);
        _subscription = subscription;
        _hub = hub;
    }

    public volatile BareLeg? Current;

    public static async Task<BareSubscriber> StartAsync(string host, string project, string topicId, ClientHub hub, CancellationToken ct)
    {
        var channel = GrpcChannel.ForAddress($"http://{host}");
        string topic = $"projects/{project}/topics/{topicId}";
        try
        {
            await new Publisher.PublisherClient(channel).CreateTopicAsync(new Topic { Name = topic }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }
        var bare = new BareSubscriber(channel, $"projects/{project}/subscriptions/bench-bare-{topicId}", hub);
        await bare._subscriber.CreateSubscriptionAsync(new Subscription { Name = bare._subscription, Topic = topic, AckDeadlineSeconds = 30 }, cancellationToken: ct);
        bare._loop = bare.PullAsync(bare._stop.Token);
        return bare;
    }

    private async Task PullAsync(CancellationToken ct)
    {
        try
        {
            using var call = _subscriber.StreamingPull(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new StreamingPullRequest { Subscription = _subscription, StreamAckDeadlineSeconds = 30 }, ct);
            await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
            {
                long now = Stopwatch.GetTimestamp();
                var nowWall = DateTime.UtcNow;
                var acks = new StreamingPullRequest();
                foreach (var received in response.ReceivedMessages)
                {
                    acks.AckIds.Add(received.AckId);
                    Record(received.Message, now, nowWall);
                }
                await call.RequestStream.WriteAsync(acks, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    private void Record(PubsubMessage message, long now, DateTime nowWall)
    {
        if (Current is not { } leg || !_hub.TryReadTag(message.Data.Span, out int step, out long seq, out long intended))
            return;
        leg.Ledger.OnAlert(0, step, seq, intended, now);
        var published = message.PublishTime.ToDateTime();
        leg.Publish.Record((long)((published - WallClock.At(intended)).TotalMicroseconds));
        leg.Deliver.Record((long)((nowWall - published).TotalMicroseconds));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _subscriber.DeleteSubscriptionAsync(new DeleteSubscriptionRequest { Subscription = _subscription }, cancellationToken: timeout.Token);
        }
        catch (RpcException)
        {
        }
        _channel.Dispose();
    }
}

/// <summary>Maps the monotonic clock the alerts carry to wall-clock time, for comparing with Pub/Sub's publish times (same host).</summary>
internal static class WallClock
{
    private static readonly DateTime AnchorWall = DateTime.UtcNow;
    private static readonly long AnchorTicks = Stopwatch.GetTimestamp();

    public static DateTime At(long stopwatchTicks) =>
        AnchorWall + TimeSpan.FromSeconds((stopwatchTicks - AnchorTicks) / (double)Stopwatch.Frequency);
}
