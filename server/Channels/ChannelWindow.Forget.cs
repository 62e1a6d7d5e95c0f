namespace Notifications.Channels;

internal sealed partial class ChannelWindow
{
    /// <summary>An entry's place in arrival order: small, as entries a channel's cap dropped linger here a while.</summary>
    private readonly record struct Arrival(ChannelLog Log, long Sequence, long ArrivedAt);

    /// <summary>One channel's alerts in arrival order: always the newest of that channel, so an entry is held exactly when its sequence is at least the head's.</summary>
    private sealed class ChannelLog(string channel, DateTimeOffset forgottenUpTo)
    {
        public string Channel { get; } = channel;

        public Queue<WindowEntry> Entries { get; } = new();

        public DateTimeOffset ForgottenUpTo { get; set; } = forgottenUpTo;

        public bool Holds(long sequence) => Entries.TryPeek(out var head) && sequence >= head.Sequence;
    }

    private void ExpireOld()
    {
        while (_arrivals.TryPeek(out var oldest) && clock.GetElapsedTime(oldest.ArrivedAt) > maxAge)
            ForgetIfLive(_arrivals.Dequeue());
    }

    /// <summary>Forgets an arrival if its channel still holds it (it is then that channel's oldest).</summary>
    private void ForgetIfLive(Arrival arrival)
    {
        if (!arrival.Log.Holds(arrival.Sequence))
            return;
        Forget(arrival.Log, arrival.Log.Entries.Dequeue());
    }

    private void Forget(ChannelLog log, WindowEntry entry)
    {
        _live--;
        if (entry.LatestAt > log.ForgottenUpTo)
            log.ForgottenUpTo = entry.LatestAt;
        // The id may have been added again later (a republished alert); only drop the index if it is this entry.
        if (_byId.TryGetValue(entry.Id, out var indexed) && indexed.Entry.Sequence == entry.Sequence)
            _byId.Remove(entry.Id);
        if (log.Entries.Count > 0)
            return;
        // Gone with its log, what the channel forgot becomes the bound of every channel without one: a busy
        // channel at its own cap raises only its own, or every quiet channel's resume would be incomplete.
        _channels.Remove(log.Channel);
        if (log.ForgottenUpTo > _forgottenUpTo)
            _forgottenUpTo = log.ForgottenUpTo;
    }

    /// <summary>
    /// Drops arrivals whose entries a channel's cap already forgot, once they outnumber the live ones:
    /// a busy channel at its cap would otherwise leave one behind per alert until they age out.
    /// </summary>
    private void Compact()
    {
        if (_arrivals.Count <= 2 * _live + 64)
            return;
        var kept = _arrivals.Where(a => a.Log.Holds(a.Sequence)).ToArray();
        _arrivals.Clear();
        foreach (var arrival in kept)
            _arrivals.Enqueue(arrival);
    }
}
