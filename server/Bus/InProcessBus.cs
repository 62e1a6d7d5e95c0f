using System.Threading.Channels;

namespace Notifications.Bus;

/// <summary>
/// Standalone mode: no Pub/Sub, one instance. Published bodies come straight back to this
/// instance's receive loop, through a bounded queue so publishers feel backpressure.
/// </summary>
internal sealed class InProcessBus(TimeProvider clock, BusHealth health) : IMessageBus
{
    private readonly Channel<BusMessage> _queue = Channel.CreateBounded<BusMessage>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public string Kind => "in-process";
    public string? SubscriptionName => null;

    public async Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        health.Subscribed(clock.GetUtcNow());
        health.Receive.Up();
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(cancellationToken))
                await handler(message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task PublishAsync(IReadOnlyList<ReadOnlyMemory<byte>> bodies, CancellationToken cancellationToken)
    {
        foreach (var body in bodies)
            await _queue.Writer.WriteAsync(new BusMessage(Guid.CreateVersion7().ToString(), body, clock.GetUtcNow()), cancellationToken);
    }

    public void RestartStream(string reason)
    {
    }

    public Task<string?> DeleteSubscriptionAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
