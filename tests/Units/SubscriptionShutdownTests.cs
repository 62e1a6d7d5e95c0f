using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Notifications.Bus;
using Notifications.Bus.PubSub;
using Notifications.Configuration;
using Notifications.Metrics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Units;

/// <summary>
/// Shutdown deletes this instance's subscription and leaves none behind: not one whose creation was still
/// in flight when the stop came, and not one the receive loop would make again after the delete.
/// </summary>
public sealed class SubscriptionShutdownTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow); // backoff waits and deadlines are taken from it
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly AnsweringPubSub _pubSub = new();
    private readonly PubSubBus _bus;

    public SubscriptionShutdownTests()
    {
        var metrics = new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>());
        var health = new BusHealth(_clock, metrics, new FakeLogger<BusHealth>());
        var channel = GrpcChannel.ForAddress("http://pubsub.test", new GrpcChannelOptions { HttpHandler = _pubSub });
        var options = new PubSubOptions { EmulatorHost = "pubsub.test", ProjectId = "test" };
        _bus = new PubSubBus((channel, "test"), options, new InstanceOptions { InstanceId = "m", Region = "ams" }, health, _clock, metrics, new FakeLogger<PubSubBus>());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_delete_asked_while_the_subscription_is_being_made_waits_for_it_and_deletes_it()
    {
        var creating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var made = new TaskCompletionSource<StatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pubSub.Admin = (method, _) =>
        {
            if (method != "CreateSubscription")
                return Task.FromResult(StatusCode.OK);
            creating.TrySetResult();
            return made.Task;
        };
        _pubSub.Pull = AnsweringPubSub.EndAtOnce(StatusCode.NotFound);
        using var stop = new CancellationTokenSource();
        var receiving = _bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await creating.Task.WaitAsync(TestContext.Current.CancellationToken);

        var deleting = _bus.DeleteSubscriptionAsync(TestContext.Current.CancellationToken);
        made.SetResult(StatusCode.OK); // Pub/Sub makes it after the stop began

        Assert.Null(await deleting); // nothing left undone
        Assert.Equal(["CreateSubscription", "DeleteSubscription"], _pubSub.Calls.Where(c => c != "StreamingPull"));
        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 30_000)]
    public async Task Once_shutdown_has_deleted_the_subscription_the_receive_loop_does_not_make_it_again()
    {
        // The subscription went missing before the stop: the loop is backing off before making it again.
        _pubSub.Pull = AnsweringPubSub.EndAtOnce(StatusCode.NotFound);
        using var stop = new CancellationTokenSource();
        var receiving = _bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await Eventually.TrueAsync(() => _pubSub.Calls.Count(c => c == "StreamingPull") == 1, "the stream found the subscription missing", TimeSpan.FromSeconds(20));

        Assert.Null(await _bus.DeleteSubscriptionAsync(TestContext.Current.CancellationToken));
        _clock.Advance(TimeSpan.FromSeconds(10)); // past the backoff
        // Long enough for a loop that would make it again to have asked: one create comes within milliseconds of its wait ending.
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.Equal(1, _pubSub.Calls.Count(c => c == "CreateSubscription"));
        Assert.Equal(1, _pubSub.Calls.Count(c => c == "DeleteSubscription"));
        await stop.CancelAsync();
        await receiving;
    }

    public void Dispose()
    {
        _bus.Dispose();
        _services.Dispose();
    }
}
