using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Delivery;

/// <summary>
/// The alerts this instance received lately, in arrival order, bounded by count and age: what a
/// client reconnecting with <c>?since=</c> is replayed from. Not thread-safe; <see cref="AlertFanout"/> guards it.
/// </summary>
internal sealed class RecentAlerts(int capacity, TimeSpan maxAge, TimeProvider clock)
{
    private readonly record struct Entry(long Sequence, AlertMessage Alert, SocketFrame Frame, long ArrivedAt);

    private readonly Queue<Entry> _entries = new(capacity);
    private readonly Dictionary<string, Entry> _byId = new(capacity, StringComparer.Ordinal);
    private long _nextSequence;
    private DateTimeOffset _forgottenUpTo = DateTimeOffset.MinValue;

    public void Add(AlertMessage alert, SocketFrame frame)
    {
        var entry = new Entry(_nextSequence++, alert, frame, clock.GetTimestamp());
        _entries.Enqueue(entry);
        _byId[alert.Id] = entry;
        while (_entries.Count > capacity)
            Forget(_entries.Dequeue());
    }

    /// <summary>
    /// What a client whose last alert was <paramref name="lastId"/> may have missed: everything that
    /// arrived here after it, and everything sent up to <paramref name="slack"/> before it (another
    /// instance may have delivered those in another order). Sorted by send time.
    /// </summary>
    /// <param name="receivingSince">Since when this instance has received every alert on the topic (its subscription's creation).</param>
    /// <returns>
    /// <c>Complete</c> is true when the window provably holds all the client missed: the id is here, or
    /// it is one of our time-ordered ids whose send time (less the slack) falls after both the moment this
    /// instance started receiving and the newest alert it has forgotten. Otherwise the whole window is returned.
    /// </returns>
    public (bool Complete, List<SocketFrame> Frames) Since(string lastId, TimeSpan slack, DateTimeOffset receivingSince)
    {
        ExpireOld();
        IEnumerable<Entry> missed = _entries;
        bool complete = true;
        if (_byId.TryGetValue(lastId, out var last))
        {
            var from = last.Alert.SentAt - slack;
            missed = _entries.Where(e => e.Sequence > last.Sequence || e.Sequence < last.Sequence && e.Alert.SentAt >= from);
        }
        else if (AlertIds.TryGetTime(lastId, out var sentAt) && sentAt - slack >= receivingSince && sentAt - slack > _forgottenUpTo)
        {
            var from = sentAt - slack;
            missed = _entries.Where(e => e.Alert.SentAt >= from && e.Alert.Id != lastId);
        }
        else
        {
            complete = false;
        }
        var frames = missed
            .OrderBy(e => e.Alert.SentAt).ThenBy(e => e.Alert.Id, StringComparer.Ordinal)
            .Select(e => e.Frame)
            .ToList();
        return (complete, frames);
    }

    private void ExpireOld()
    {
        while (_entries.TryPeek(out var oldest) && clock.GetElapsedTime(oldest.ArrivedAt) > maxAge)
            Forget(_entries.Dequeue());
    }

    private void Forget(Entry entry)
    {
        if (entry.Alert.SentAt > _forgottenUpTo)
            _forgottenUpTo = entry.Alert.SentAt;
        // The id may have been re-added later (a republished alert); only drop the index if it is this entry.
        if (_byId.TryGetValue(entry.Alert.Id, out var indexed) && indexed.Sequence == entry.Sequence)
            _byId.Remove(entry.Alert.Id);
    }
}
