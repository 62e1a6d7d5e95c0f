namespace Notifications.Bus;

/// <summary>Where the bus stands, as <c>/healthz</c> reports it.</summary>
public enum BusState
{
    Starting,
    Ready,
    Reconnecting,
    Stopping,
}

/// <summary>The bus's current state, written by the bus and read by health checks.</summary>
public sealed class BusHealth
{
    private volatile StateSnapshot _snapshot = new(BusState.Starting, "subscription not created yet");

    public BusState State => _snapshot.State;
    public string Detail => _snapshot.Detail;
    public bool IsReady => _snapshot.State == BusState.Ready;

    public void Set(BusState state, string detail) => _snapshot = new StateSnapshot(state, detail);

    private sealed record StateSnapshot(BusState State, string Detail);
}
