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
    private long _lastMessageId;

    public string Kind => "in-process";
    public string? SubscriptionName => null;
    public string? SubscriptionId => null;

    public async Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Action caughtUp, CancellationToken cancellationToken)
    {
        health.Subscribed(clock.GetUtcNow());
        health.Receive.Up();
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var message))
                    await handler(message, cancellationToken);
                caughtUp();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Hands an alert back as it was given, with no body: it never leaves the process, so nothing need encode it or read it again.</summary>
    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        for (int i = 0; i < messages.Count; i++)
            await _queue.Writer.WriteAsync(new BusMessage(NextMessageId(), messages[i].Body, clock.GetUtcNow()) { Alert = messages[i].Alert }, cancellationToken);
    }

    /// <summary>Numbered as Pub/Sub numbers its messages: unique within this process, which is all the bus spans, and a third the size of a UUID.</summary>
    private string NextMessageId() => Interlocked.Increment(ref _lastMessageId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void RestartStream(string reason)
    {
    }

    public Task<string?> DeleteSubscriptionAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
