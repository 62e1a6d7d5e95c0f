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
    // When each channel with members last had a change announced, for a subscription_succeeded made outside the lock.
    private readonly Dictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private long _changes;

    /// <summary>
    /// Adds the socket as <paramref name="member"/> and gives it its <c>subscription_succeeded</c>: the frame
    /// <paramref name="answer"/> makes of the members is handed to <paramref name="send"/> under the roster's lock, so a change
    /// announced by another thread is queued to the socket after it, never before (pusher-js replaces its member list with the
    /// frame's: an earlier <c>member_added</c> would be lost, an earlier removal undone). The frame is made outside the lock (a
    /// large channel's list is much JSON, and every presence message of the instance waits for this lock), and made again if
    /// the channel changed meanwhile; a channel that changes every time is answered under the lock at the third try. The
    /// members are the channel's fleet-wide, the subscriber's own included.
    /// </summary>
    public void Join(string channel, string socketId, PresenceMember member, Func<IReadOnlyCollection<PresenceMember>, byte[]> answer, Action<byte[]> send)
    {
        IReadOnlyCollection<PresenceMember> members;
        long seen;
        lock (_gate)
        {
            if (_local.Join(channel, socketId, member) is { } delta)
                Emit(delta, socketId);
            (members, seen) = (_ledger.Members(channel), _changedAt.GetValueOrDefault(channel));
        }
        for (int attempt = 1; ; attempt++)
        {
            byte[] frame = answer(members);
            lock (_gate)
            {
                long now = _changedAt.GetValueOrDefault(channel);
                if (now != seen && attempt < 3)
                {
                    (members, seen) = (_ledger.Members(channel), now);
                    continue;
                }
                send(now == seen ? frame : answer(_ledger.Members(channel)));
                return;
            }
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
        {
            outlet.Announce(change, exceptSocketId);
            // A stamp from one counter, so a channel emptied and filled again never shows an old value; an empty channel's is dropped.
            if (_ledger.MemberCount(change.Channel) == 0)
                _changedAt.Remove(change.Channel);
            else
                _changedAt[change.Channel] = ++_changes;
        }
    }

    private bool Recently(long at, TimeSpan window) => at >= 0 && clock.GetElapsedTime(at) < window;
}
