using System.Diagnostics.Metrics;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Notifications.Bus;
using Notifications.Bus.PubSub;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Tests.Units;

/// <summary>
/// The real <see cref="PubSubBus"/> and its <see cref="BusHealth"/>, talking to <see cref="AnsweringPubSub"/> on a
/// fake clock: call deadlines and backoff waits are taken from it, so time moves only when a test says so.
/// </summary>
internal sealed class AnsweredBus : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public AnsweredBus()
    {
        var metrics = new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>());
        Health = new BusHealth(Clock, metrics, HealthLog);
        var channel = GrpcChannel.ForAddress("http://pubsub.test", new GrpcChannelOptions { HttpHandler = PubSub });
        var options = new PubSubOptions { EmulatorHost = "pubsub.test", ProjectId = "test" };
        Bus = new PubSubBus((channel, "test"), options, new InstanceOptions { InstanceId = "m", Region = "ams" }, Health, Clock, metrics, BusLog);
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public FakeLogger<BusHealth> HealthLog { get; } = new();
    public FakeLogger<PubSubBus> BusLog { get; } = new();
    public AnsweringPubSub PubSub { get; } = new();
    public BusHealth Health { get; }
    public PubSubBus Bus { get; }

    public void Dispose()
    {
        Bus.Dispose();
        _services.Dispose();
    }
}
