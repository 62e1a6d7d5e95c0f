using Notifications.Channels;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Delivery;

/// <summary>
/// The <c>global</c> alerts this instance received lately, in arrival order, bounded by count and age: what
/// a client reconnecting with <c>?since=</c> is replayed from. Other channels keep a <see cref="ChannelWindow"/>.
/// Not thread-safe; <see cref="AlertFanout"/> guards it.
/// </summary>
internal sealed class RecentAlerts(int capacity, TimeSpan maxAge, TimeProvider clock)
{
    private readonly Queue<WindowEntry> _entries = new(capacity);
    private readonly Dictionary<string, WindowEntry> _byId = new(capacity, StringComparer.Ordinal);
    private long _nextSequence;
    private DateTimeOffset _forgottenUpTo = DateTimeOffset.MinValue;

    public void Add(AlertMessage alert, SocketFrame frame)
    {
        var entry = new WindowEntry(_nextSequence++, alert, frame, clock.GetTimestamp());
        _entries.Enqueue(entry);
        _byId[alert.Id] = entry;
        while (_entries.Count > capacity)
            Forget(_entries.Dequeue());
    }

    /// <summary>
    /// What a client whose last alert was <paramref name="lastId"/> may have missed, by <see cref="ResumeRule.Missed"/>:
    /// what arrived after it, and what was sent up to <paramref name="slack"/> before it, sorted by send time;
    /// the whole window, not complete, when this window cannot prove it holds all that was missed.
    /// </summary>
    /// <param name="receivingSince">Since when this instance has received every alert on the topic (its subscription's creation).</param>
    public ChannelReplay Since(string lastId, TimeSpan slack, DateTimeOffset receivingSince)
    {
        ExpireOld();
        WindowEntry? last = _byId.TryGetValue(lastId, out var known) ? known : null;
        return ResumeRule.Missed(_entries, last, lastId, slack, receivingSince, _forgottenUpTo);
    }

    private void ExpireOld()
    {
        while (_entries.TryPeek(out var oldest) && clock.GetElapsedTime(oldest.ArrivedAt) > maxAge)
            Forget(_entries.Dequeue());
    }

    private void Forget(WindowEntry entry)
    {
        if (entry.SentAt > _forgottenUpTo)
            _forgottenUpTo = entry.SentAt;
        // The id may have been re-added later (a republished alert); only drop the index if it is this entry.
        if (_byId.TryGetValue(entry.Id, out var indexed) && indexed.Sequence == entry.Sequence)
            _byId.Remove(entry.Id);
    }
}
