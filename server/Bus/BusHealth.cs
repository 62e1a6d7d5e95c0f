namespace Notifications.Bus;

/// <summary>Where the bus stands, as <c>/healthz</c> reports it.</summary>
public enum BusState
{
    /// <summary>The subscription has not been made yet.</summary>
    Starting,

    /// <summary>Subscribed and receiving.</summary>
    Ready,

    /// <summary>Was ready, but Pub/Sub is failing; retrying.</summary>
    Degraded,

    /// <summary>Shutting down.</summary>
    Stopping,
}

/// <summary>The bus's current state, written by the bus and read by health checks and the publisher.</summary>
public sealed class BusHealth
{
    private readonly Lock _gate = new();
    private StateSnapshot _snapshot = new(BusState.Starting, "subscription not created yet");
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BusState State => _snapshot.State;
    public string Detail => _snapshot.Detail;
    public bool IsReady => _snapshot.State == BusState.Ready;

    /// <summary>
    /// Since when this instance has been sure to receive every message on the topic: the creation of its
    /// current subscription (MaxValue until there is one). Resumes rely on it.
    /// </summary>
    public DateTimeOffset ReceivingSince { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>The bus made a fresh subscription at <paramref name="createdAt"/>: nothing published before is promised.</summary>
    public void Subscribed(DateTimeOffset createdAt) => ReceivingSince = createdAt;

    public void Set(BusState state, string detail)
    {
        lock (_gate)
        {
            _snapshot = new StateSnapshot(state, detail);
            if (state == BusState.Ready)
                _ready.TrySetResult();
            else if (_ready.Task.IsCompleted)
                _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Completes when the bus is ready (at once if it is).</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _ready.Task.WaitAsync(cancellationToken);
    }

    private sealed record StateSnapshot(BusState State, string Detail);
}
