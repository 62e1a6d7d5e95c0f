namespace Notifications.Pusher.Presence;

/// <summary>
/// Presence for one instance, fleet-wide: its own sockets (<see cref="LocalPresence"/>), everyone's
/// (<see cref="PresenceLedger"/>), and the bus traffic that keeps the two in step. A local join or leave
/// is applied here at once and published; the same message from another instance is applied when it
/// arrives; each instance announces fleet-wide changes to its own subscribers only, so every socket hears
/// of each change once. Thread-safe.
/// </summary>
internal sealed class PresenceRoster(string instance, long epoch, IPresenceOutlet outlet, TimeProvider clock, TimeSpan heartbeatInterval)
{
    private readonly Lock _gate = new();
    private readonly LocalPresence _local = new(instance, epoch);
    private readonly PresenceLedger _ledger = new();
    private readonly PresenceStateAssembler _assembler = new();
    private readonly Dictionary<string, long> _askedAt = new(StringComparer.Ordinal);
    private long _stateSentAt = -1;

    /// <summary>
    /// Adds the socket as <paramref name="member"/>; returns the channel's members fleet-wide (the subscriber's own included)
    /// for its <c>subscription_succeeded</c>, and hands them to <paramref name="answer"/> under the roster's lock first: a
    /// change announced by another thread is then queued to the socket after that frame, never before it (pusher-js replaces
    /// its member list with the frame's, so an earlier <c>member_added</c> would be lost, an earlier removal undone).
    /// </summary>
    public IReadOnlyCollection<PresenceMember> Join(string channel, string socketId, PresenceMember member, Action<IReadOnlyCollection<PresenceMember>>? answer = null)
    {
        lock (_gate)
        {
            if (_local.Join(channel, socketId, member) is { } delta)
                Emit(delta, socketId);
            var members = _ledger.Members(channel);
            answer?.Invoke(members);
            return members;
        }
    }

    public void Leave(string channel, string socketId, string userId)
    {
        lock (_gate)
        {
            if (_local.Leave(channel, socketId, userId) is { } delta)
                Emit(delta, socketId);
        }
    }

    public IReadOnlyCollection<PresenceMember> Members(string channel)
    {
        lock (_gate)
            return _ledger.Members(channel);
    }

    public int MemberCount(string channel)
    {
        lock (_gate)
            return _ledger.MemberCount(channel);
    }

    public bool Contains(string channel, string userId)
    {
        lock (_gate)
            return _ledger.Contains(channel, userId);
    }

    /// <summary>Presence channels whose names start with <paramref name="prefix"/>, with their user counts.</summary>
    public List<(string Channel, int Users)> Channels(string prefix)
    {
        lock (_gate)
            return [.. _ledger.Channels(prefix)];
    }

    /// <summary>What this instance's heartbeat carries about its presence.</summary>
    public PresenceHeartbeat Heartbeat()
    {
        lock (_gate)
            return new PresenceHeartbeat(instance, epoch, _local.Seq, _local.Count, _local.Digest);
    }

    public void Receive(PresenceDelta delta)
    {
        if (delta.Instance == instance)
            return;
        lock (_gate)
            Announce(_ledger.Apply(delta), null);
    }

    public void Receive(PresenceStatePart part)
    {
        if (part.Instance == instance)
            return;
        lock (_gate)
        {
            if (_assembler.Add(part) is { } state)
                Announce(_ledger.Apply(state), null);
        }
    }

    public void Receive(PresenceHeartbeat heartbeat)
    {
        if (heartbeat.Instance == instance)
            return;
        lock (_gate)
        {
            if (_ledger.NeedsState(heartbeat) && !Recently(_askedAt.GetValueOrDefault(heartbeat.Instance, -1), 2 * heartbeatInterval))
            {
                _askedAt[heartbeat.Instance] = clock.GetTimestamp();
                outlet.Publish(new PresenceStateRequest(heartbeat.Instance, instance));
            }
        }
    }

    /// <summary>Answers a request for this instance's state; one dump per heartbeat interval serves every instance that asked, as all of them receive it.</summary>
    public void Receive(PresenceStateRequest request)
    {
        if (request.Instance != instance)
            return;
        lock (_gate)
        {
            if (Recently(_stateSentAt, heartbeatInterval))
                return;
            _stateSentAt = clock.GetTimestamp();
            foreach (var part in PresenceStateSplitter.Split(instance, epoch, _local.Seq, _local.Entries()))
                outlet.Publish(part);
        }
    }

    /// <summary>Drops an instance no longer alive (no heartbeat within the liveness window): its members leave.</summary>
    public void Forget(string gone)
    {
        lock (_gate)
        {
            Announce(_ledger.Forget(gone), null);
            _askedAt.Remove(gone);
        }
    }

    /// <summary>The instances the ledger holds members of, for the caller to compare with the live ones.</summary>
    public List<string> KnownInstances()
    {
        lock (_gate)
            return [.. _ledger.Instances.Where(i => i != instance)];
    }

    private void Emit(PresenceDelta delta, string socketId)
    {
        outlet.Publish(delta);
        Announce(_ledger.Apply(delta), socketId);
    }

    private void Announce(IReadOnlyList<PresenceChange> changes, string? exceptSocketId)
    {
        foreach (var change in changes)
            outlet.Announce(change, exceptSocketId);
    }

    private bool Recently(long at, TimeSpan window) => at >= 0 && clock.GetElapsedTime(at) < window;
}
