namespace Notifications.Pusher.Presence;

/// <summary>
/// The fleet's presence members as this instance knows them: for every instance, which (channel, user)
/// pairs it holds, built from its numbered deltas and, when those cannot be trusted, its state dumps. A user
/// is on a channel while any instance holds them; the changes each call returns are the moments a user
/// appears on or vanishes from a channel fleet-wide, which this instance tells its own subscribers.
/// Reordered, repeated and stale messages are put right by sequence number: per pair the newest wins.
/// Not thread-safe: <see cref="PresenceRoster"/> locks.
/// </summary>
internal sealed partial class PresenceLedger
{
    private readonly Dictionary<string, InstanceView> _views = new(StringComparer.Ordinal);

    // channel -> user -> holding instance -> the member as that instance described it (ordered, so every instance picks the same user_info).
    private readonly Dictionary<string, Dictionary<string, SortedDictionary<string, PresenceMember>>> _holders = new(StringComparer.Ordinal);

    public IReadOnlyList<PresenceChange> Apply(PresenceDelta delta)
    {
        var changes = new List<PresenceChange>();
        if (ViewFor(delta.Instance, delta.Epoch, changes, firstSeq: delta.Seq) is not { } view || delta.Seq <= view.Seqs.Watermark)
            return changes;
        var key = (delta.Channel, delta.UserId);
        if (!view.Slots.TryGetValue(key, out var slot) || slot.Seq < delta.Seq)
            SetSlot(delta.Instance, view, key, delta.Present, delta.Seq, delta.Member, changes);
        view.Seqs.Saw(delta.Seq);
        return changes;
    }

    /// <summary>Takes an instance's whole state as of its delta <see cref="PresenceState.Seq"/>; pairs it changed since keep their newer state.</summary>
    public IReadOnlyList<PresenceChange> Apply(PresenceState state)
    {
        var changes = new List<PresenceChange>();
        if (ViewFor(state.Instance, state.Epoch, changes, firstSeq: 0) is not { } view || state.Seq < view.StateSeq)
            return changes;
        var dumped = state.Members.ToDictionary(e => (e.Channel, e.UserId), e => new PresenceMember(e.UserId, e.UserInfo));
        foreach (var (key, slot) in view.Slots.Where(s => s.Value.Seq <= state.Seq && !dumped.ContainsKey(s.Key)).ToList())
        {
            SetSlot(state.Instance, view, key, false, state.Seq, slot.Member, changes);
            view.Slots.Remove(key);
        }
        foreach (var (key, member) in dumped)
        {
            if (!view.Slots.TryGetValue(key, out var slot) || slot.Seq <= state.Seq)
                SetSlot(state.Instance, view, key, true, state.Seq, member, changes);
        }
        view.Seqs.CoveredUpTo(state.Seq);
        view.StateSeq = state.Seq;
        view.Synced = true;
        view.PruneTombstones();
        return changes;
    }

    /// <summary>
    /// Whether this instance should ask <paramref name="heartbeat"/>'s sender for its state: it is a life of it
    /// we have not followed from its first delta, deltas it announced a heartbeat ago are still missing, or
    /// at a quiet moment our sums for it differ from its own.
    /// </summary>
    public bool NeedsState(PresenceHeartbeat heartbeat)
    {
        if (!_views.TryGetValue(heartbeat.Instance, out var view) || heartbeat.Epoch > view.Epoch)
            return heartbeat.Seq > 0;
        if (heartbeat.Epoch < view.Epoch)
            return false;
        bool stuck = view.Seqs.Watermark < view.LastHeartbeatSeq;
        view.LastHeartbeatSeq = Math.Max(view.LastHeartbeatSeq, heartbeat.Seq);
        view.PruneTombstones();
        if (!view.Synced || stuck)
            return true;
        return view.Seqs.Watermark == heartbeat.Seq && !view.Seqs.HasGap
            && (view.Count != heartbeat.Count || view.Digest != heartbeat.Digest);
    }

    /// <summary>Drops everything an instance held: it is gone (no heartbeat for the liveness window).</summary>
    public IReadOnlyList<PresenceChange> Forget(string instance)
    {
        var changes = new List<PresenceChange>();
        if (_views.Remove(instance, out var view))
            Clear(instance, view, changes);
        return changes;
    }

    public IReadOnlyCollection<string> Instances => _views.Keys;

    /// <summary>Every member of the channel fleet-wide, each user once.</summary>
    public IReadOnlyCollection<PresenceMember> Members(string channel) =>
        _holders.TryGetValue(channel, out var users) ? [.. users.Values.Select(h => h.First().Value)] : [];

    public int MemberCount(string channel) => _holders.TryGetValue(channel, out var users) ? users.Count : 0;

    public bool Contains(string channel, string userId) => _holders.TryGetValue(channel, out var users) && users.ContainsKey(userId);

    /// <summary>Presence channels with members whose names start with <paramref name="prefix"/>, with their user counts.</summary>
    public IEnumerable<(string Channel, int Users)> Channels(string prefix) =>
        _holders.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(c => (c.Key, c.Value.Count));
}

/// <summary>One instance's whole presence state as of its delta <see cref="Seq"/>, put together from its <see cref="PresenceStatePart"/>s.</summary>
internal sealed record PresenceState(string Instance, long Epoch, long Seq, IReadOnlyList<PresenceEntry> Members);
