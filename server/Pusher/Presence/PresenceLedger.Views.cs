namespace Notifications.Pusher.Presence;

internal sealed partial class PresenceLedger
{
    /// <summary>One (channel, user) pair of one instance: held or not, as of which of its deltas. Not-held slots are tombstones that stop an older join from arriving late and resurrecting the pair.</summary>
    private sealed record Slot(bool Present, long Seq, PresenceMember Member);

    /// <summary>What one life (epoch) of one instance holds.</summary>
    private sealed class InstanceView(long epoch)
    {
        public long Epoch { get; } = epoch;
        public SequenceTracker Seqs { get; } = new();
        public Dictionary<(string Channel, string User), Slot> Slots { get; } = [];
        public long StateSeq { get; set; } = -1;
        public long LastHeartbeatSeq { get; set; }
        public bool Synced { get; set; }
        public int Count { get; set; }
        public ulong Digest { get; set; }

        /// <summary>Tombstones at or below the watermark guard nothing: a message that old is a repeat and is dropped anyway.</summary>
        public void PruneTombstones()
        {
            foreach (var key in Slots.Where(s => !s.Value.Present && s.Value.Seq <= Seqs.Watermark).Select(s => s.Key).ToList())
                Slots.Remove(key);
        }
    }

    /// <summary>The view of this life of the instance; a newer life replaces the old one (whose sockets died with it), an older one is ignored.</summary>
    private InstanceView? ViewFor(string instance, long epoch, List<PresenceChange> changes, long firstSeq)
    {
        if (_views.TryGetValue(instance, out var view))
        {
            if (epoch == view.Epoch)
                return view;
            if (epoch < view.Epoch)
                return null;
            Clear(instance, view, changes);
        }
        // Following a life from its first delta means we have all of it; any later start needs its state.
        return _views[instance] = new InstanceView(epoch) { Synced = firstSeq == 1 };
    }

    private void SetSlot(string instance, InstanceView view, (string Channel, string User) key, bool present, long seq, PresenceMember member, List<PresenceChange> changes)
    {
        bool was = view.Slots.TryGetValue(key, out var old) && old.Present;
        view.Slots[key] = new Slot(present, seq, member);
        if (was == present)
            return;
        view.Count += present ? 1 : -1;
        view.Digest ^= PresenceDigest.Of(key.Channel, key.User);
        if (present)
            AddHolder(key.Channel, instance, member, changes);
        else
            RemoveHolder(key.Channel, instance, old!.Member, changes);
    }

    private void AddHolder(string channel, string instance, PresenceMember member, List<PresenceChange> changes)
    {
        if (!_holders.TryGetValue(channel, out var users))
            _holders[channel] = users = new(StringComparer.Ordinal);
        if (!users.TryGetValue(member.UserId, out var holders))
            users[member.UserId] = holders = new(StringComparer.Ordinal);
        holders[instance] = member;
        if (holders.Count == 1)
            changes.Add(new PresenceChange(channel, member, Added: true));
    }

    private void RemoveHolder(string channel, string instance, PresenceMember member, List<PresenceChange> changes)
    {
        if (!_holders.TryGetValue(channel, out var users) || !users.TryGetValue(member.UserId, out var holders) || !holders.Remove(instance) || holders.Count > 0)
            return;
        users.Remove(member.UserId);
        if (users.Count == 0)
            _holders.Remove(channel);
        changes.Add(new PresenceChange(channel, member, Added: false));
    }

    private void Clear(string instance, InstanceView view, List<PresenceChange> changes)
    {
        foreach (var (key, slot) in view.Slots.Where(s => s.Value.Present).ToList())
            SetSlot(instance, view, key, false, slot.Seq, slot.Member, changes);
    }
}
