using Notifications.Messages;

namespace Notifications.Bus;

/// <summary>
/// One message as the bus delivered it: the body and the bus's own id and publish time. <see cref="Alert"/> is set
/// only by a bus that hands back the very alert published (the in-process one), so it is not read from the body again.
/// </summary>
public sealed record BusMessage(string MessageId, ReadOnlyMemory<byte> Data, DateTimeOffset PublishTime)
{
    public AlertMessage? Alert { get; init; }
}

/// <summary>
/// One message to publish: a body, or an alert of ours. A bus that leaves the process publishes the alert as the
/// topic's JSON (<see cref="Encode"/>); the in-process bus hands the alert itself back, so nothing encodes or reads it.
/// </summary>
public readonly record struct OutgoingMessage
{
    public OutgoingMessage(ReadOnlyMemory<byte> body) => Body = body;

    public OutgoingMessage(AlertMessage alert) => Alert = alert;

    public ReadOnlyMemory<byte> Body { get; }
    public AlertMessage? Alert { get; }

    /// <summary>The bytes the topic carries.</summary>
    public ReadOnlyMemory<byte> Encode() => Alert is { } alert ? Frames.TopicAlert(alert) : Body;
}

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
    /// The id (the name's last part) of this process's subscription, or null when there is none: heartbeats
    /// carry it, so other instances' sweepers know it is alive.
    /// </summary>
    string? SubscriptionId { get; }

    /// <summary>
    /// Prepares the topic and this instance's subscription, then delivers messages until cancelled.
    /// Each message is acknowledged only after <paramref name="handler"/> has returned and <paramref name="caughtUp"/>
    /// has been called for it: whenever the bus has handed over every message it had at hand, so the receiver may
    /// hold work back to do it once for several messages. Neither throws: the receiver logs and drops what it fails
    /// to handle (a bug in this server, not in the message), so a message is never redelivered for it. Transient
    /// failures of the bus are retried here; this returns only when <paramref name="cancellationToken"/> fires.
    /// </summary>
    Task ReceiveAsync(Func<BusMessage, CancellationToken, ValueTask> handler, Action caughtUp, CancellationToken cancellationToken);

    /// <summary>Publishes messages to every instance, in one request where the transport allows; throws <see cref="BusUnavailableException"/> when it could not.</summary>
    Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken);

    /// <summary>Ends the current receive stream (half-closing it first) and opens a new one: a stream that went silent.</summary>
    void RestartStream(string reason);

    /// <summary>
    /// Removes this instance's subscription. Called once, on graceful shutdown. Returns null when it is
    /// gone (or was never made), else why it could not be deleted.
    /// </summary>
    Task<string?> DeleteSubscriptionAsync(CancellationToken cancellationToken);
}

/// <summary>What the sweeper needs: the instance subscriptions on our topic, and a way to remove one.</summary>
internal interface ISubscriptionAdmin
{
    /// <summary>The id of this process's own subscription, which is never swept.</summary>
    string OwnSubscriptionId { get; }

    /// <summary>Ids (not paths) of the subscriptions on our topic whose id has the instance prefix.</summary>
    Task<IReadOnlyList<string>> ListInstanceSubscriptionsAsync(CancellationToken cancellationToken);

    /// <summary>Deletes another process's subscription; true if it existed.</summary>
    Task<bool> DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken);
}

/// <summary>The bus could not take a message; the caller retries, and in the end tells its client rather than losing it silently.</summary>
public sealed class BusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
