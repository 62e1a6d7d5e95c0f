using Notifications.Metrics;

namespace Notifications.Bus;

/// <summary>Where the bus stands, as <c>/healthz</c> reports it.</summary>
public enum BusState
{
    /// <summary>Not yet subscribed and receiving, and nothing has failed.</summary>
    Starting,

    /// <summary>Can publish, and the receive stream is open.</summary>
    Ready,

    /// <summary>Pub/Sub is refusing or not answering a call of one side; retrying.</summary>
    Degraded,

    /// <summary>Shutting down.</summary>
    Stopping,
}

/// <summary>
/// The bus's health, in three sides that fail and recover on their own: <see cref="Setup"/> (the
/// subscription exists), <see cref="Receive"/> (the pull stream is open) and <see cref="Publish"/> (the last
/// publish succeeded). Ready means all three are up. Written by the bus, read by health, the publisher and the heartbeat.
/// </summary>
public sealed class BusHealth
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _subscribed = NewSignal();
    private TaskCompletionSource _recovered = NewSignal();
    private TaskCompletionSource _probe = NewSignal();
    private volatile bool _stopping;
    private volatile bool _receivedOnce;
    private volatile bool _publishFailing;
    private readonly TimeProvider _clock;
    private long _firstUpSince; // a timestamp: when the boot's first receive stream came up; 0 before

    public BusHealth(TimeProvider clock, NotificationsMetrics metrics, ILogger<BusHealth> logger)
    {
        _clock = clock;
        Setup = new BusSide("subscription setup", "not done yet", clock, logger, () => Changed(Setup!), status => metrics.BusCallFailed("setup", status));
        Receive = new BusSide("receive stream", "not open yet", clock, logger, () => Changed(Receive!), status => metrics.BusCallFailed("receive", status));
        Publish = new BusSide("publishing", "nothing published yet", clock, logger, () => Changed(Publish!), status => metrics.BusCallFailed("publish", status));
        // Publishing counts as working until a publish fails: it has nothing to prove before its first alert.
        Publish.Up();
        metrics.ObserveBus(() => IsReady, () => [("setup", Setup.IsUp), ("receive", Receive.IsUp), ("publish", Publish.IsUp)]);
    }

    public BusSide Setup { get; }
    public BusSide Receive { get; }
    public BusSide Publish { get; }

    public BusState State =>
        _stopping ? BusState.Stopping
        : Setup.IsUp && Receive.IsUp && Publish.IsUp ? BusState.Ready
        : Setup.State == SideState.Failing || Receive.State == SideState.Failing || Publish.State == SideState.Failing || _receivedOnce ? BusState.Degraded
        : BusState.Starting;

    public bool IsReady => State == BusState.Ready;

    /// <summary>
    /// Whether this instance is worth sending sockets to: ready, or degraded once this boot has subscribed (its
    /// sockets stay open, what it could not publish is retried, and its subscription keeps what it could not
    /// receive). Not before its first subscription, through which every alert reaches its sockets, nor while stopping.
    /// </summary>
    public bool IsServing => IsReady || State == BusState.Degraded && ReceivingSince != DateTimeOffset.MaxValue;

    /// <summary>One sentence for the health report: what works, or what does not and why.</summary>
    public string Detail => State switch
    {
        BusState.Ready => "publishing and receiving",
        BusState.Stopping => "shutting down",
        _ => string.Join("; ", new[] { Setup, Receive, Publish }.Where(s => !s.IsUp).Select(s => s.Problem())),
    };

    /// <summary>
    /// Since when this instance has been sure to receive every message on the topic: the creation of its
    /// current subscription (MaxValue until there is one). Resumes rely on it.
    /// </summary>
    public DateTimeOffset ReceivingSince { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>
    /// Until when this instance may have missed messages although it held alerts from before: the making of a
    /// subscription again after the last was lost (MinValue while there has been one only). No resume from an alert
    /// before it is complete.
    /// </summary>
    public DateTimeOffset MissedUpTo { get; private set; } = DateTimeOffset.MinValue;

    private DateTimeOffset _missedBeforeLoss = DateTimeOffset.MinValue;

    /// <summary>
    /// How long after a receive stream ends the messages it had in flight may still come (Pub/Sub redelivers them
    /// after their ack deadline); zero for a bus that redelivers nothing.
    /// </summary>
    public TimeSpan RedeliveryWindow { get; set; }

    /// <summary>
    /// A frame's <c>serverTime</c>: a stamp telling the client that every alert sent before it has reached this
    /// instance, and so (frames arriving in order) the client. None while the receive stream is down, nor for
    /// <see cref="RedeliveryWindow"/> after it came up again, while what the ended stream had in flight may still come.
    /// </summary>
    public DateTimeOffset? Stamp(DateTimeOffset now) => Vouches ? now : null;

    /// <summary>Whether <see cref="Stamp"/> gives one now: alerts relayed while it does not are marked, so that a client takes no stamp from them either.</summary>
    public bool Vouches
    {
        get
        {
            if (!Receive.IsUp)
                return false;
            // Until Changed has noted the boot's first stream, that one counts as a reopened one too: none for a moment.
            long upSince = Receive.UpSince;
            return upSince == Volatile.Read(ref _firstUpSince) || _clock.GetElapsedTime(upSince) >= RedeliveryWindow;
        }
    }

    /// <summary>The bus made a fresh subscription at <paramref name="createdAt"/>: nothing published before is promised.</summary>
    public void Subscribed(DateTimeOffset createdAt)
    {
        if (ReceivingSince != DateTimeOffset.MaxValue)
            MissedUpTo = createdAt;
        ReceivingSince = createdAt;
        Setup.Up();
    }

    /// <summary>
    /// The subscription is gone (deleted under us): publishing waits until it is made again, and no resume from before
    /// now is complete here, as what is published until then never comes.
    /// </summary>
    public void SubscriptionLost(string why)
    {
        _missedBeforeLoss = MissedUpTo;
        if (ReceivingSince != DateTimeOffset.MaxValue)
            MissedUpTo = _clock.GetUtcNow();
        Setup.Pending(why);
    }

    /// <summary>
    /// The subscription taken for lost was there all along (Pub/Sub answered NOT_FOUND for one that exists, as a
    /// moment's inconsistency just after making it can): it kept every message, so resumes from before the scare are complete again.
    /// </summary>
    public void SubscriptionFound()
    {
        MissedUpTo = _missedBeforeLoss;
        Setup.Up();
    }

    /// <summary>Shutting down: <c>/healthz</c> says so from now on, whatever the sides do.</summary>
    public void Stopping() => _stopping = true;

    /// <summary>Completes once the subscription exists (at once if it does): what is published before would not reach this instance.</summary>
    public Task WaitUntilSubscribedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _subscribed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes once the bus is ready (at once if it is); false if cancelled first.</summary>
    public async Task<bool> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the check, so a side coming up in between still wakes this.
            var change = NextRecovery;
            if (IsReady)
                return true;
            try
            {
                await change.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Completes the next time a failing side recovers: Pub/Sub answers again, so waiting retries may go now.</summary>
    public Task NextRecovery
    {
        get { lock (_gate) return _recovered.Task; }
    }

    /// <summary>Completes when the bus asks for a heartbeat now, to prove a stream it has just opened.</summary>
    public Task NextProbeRequest
    {
        get { lock (_gate) return _probe.Task; }
    }

    /// <summary>Asks for a heartbeat now: its echo confirms a new stream within a round trip.</summary>
    public void RequestProbe() => Fire(ref _probe);

    private void Changed(BusSide side)
    {
        if (side == Receive && side.IsUp)
        {
            if (!_receivedOnce)
                Volatile.Write(ref _firstUpSince, side.UpSince);
            _receivedOnce = true;
        }
        if (side == Publish)
        {
            // Publishing started failing (a call of the publisher's, the publish API's or the Pusher door's): the
            // heartbeat probes from now on instead of sleeping out its interval, so the recovery is seen within a second.
            bool failing = side.State == SideState.Failing;
            if (failing && !_publishFailing)
                RequestProbe();
            _publishFailing = failing;
        }
        if (side == Setup)
        {
            lock (_gate)
            {
                if (Setup.IsUp)
                    _subscribed.TrySetResult();
                else if (_subscribed.Task.IsCompleted)
                    _subscribed = NewSignal();
            }
        }
        if (side.IsUp)
            Fire(ref _recovered);
    }

    private void Fire(ref TaskCompletionSource signal)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = signal;
            signal = NewSignal();
        }
        fired.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
