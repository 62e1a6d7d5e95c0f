namespace Notifications.Bus;

/// <summary>One message as the bus delivered it: the body and the bus's own id and publish time.</summary>
public sealed record BusMessage(string MessageId, ReadOnlyMemory<byte> Data, DateTimeOffset PublishTime);

/// <summary>
/// How alerts travel between instances. The rest of the server sees only this: Pub/Sub,
/// the emulator and the in-process bus of standalone mode all sit behind it.
/// </summary>
internal interface IMessageBus
{
    /// <summary>What carries the messages, for logs and health: <c>in-process</c>, <c>pubsub-emulator</c> or <c>pubsub</c>.</summary>
    string Kind { get; }

    /// <summary>The name of this instance's subscription, or null when there is none.</summary>
    string? SubscriptionName { get; }

    /// <summary>
    /// Prepares the topic and this instance's subscription, then delivers messages until cancelled.
    /// Each message is acknowledged only after <paramref name="handler"/> has returned. Transient
    /// failures are retried here; this returns only when <paramref name="cancellationToken"/> fires.
    /// </summary>
    Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken);

    /// <summary>Publishes one body to every instance; throws <see cref="BusUnavailableException"/> when it could not.</summary>
    Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Removes this instance's subscription. Called once, on graceful shutdown.</summary>
    Task DeleteSubscriptionAsync(CancellationToken cancellationToken);
}

/// <summary>The bus could not take a message; the caller tells its client so rather than losing it silently.</summary>
public sealed class BusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
