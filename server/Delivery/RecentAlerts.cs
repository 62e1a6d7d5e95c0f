using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>
/// The alerts this instance received lately, in arrival order, bounded by count and age: what a
/// client reconnecting with <c>?since=</c> is replayed from. Not thread-safe; <see cref="AlertFanout"/> guards it.
/// </summary>
internal sealed class RecentAlerts(int capacity, TimeSpan maxAge, TimeProvider clock)
{
    private readonly record struct Entry(long Sequence, AlertMessage Alert, byte[] Frame, long ArrivedAt);

    private readonly Queue<Entry> _entries = new(capacity);
    private readonly Dictionary<string, Entry> _byId = new(capacity, StringComparer.Ordinal);
    private long _nextSequence;

    public int Count => _entries.Count;

    public void Add(AlertMessage alert, byte[] frame)
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
    /// instance may have delivered those in another order). Sorted by send time. When the id is not
    /// here (too old, or never seen), the whole window is returned and <c>Found</c> is false.
    /// </summary>
    public (bool Found, List<byte[]> Frames) Since(string lastId, TimeSpan slack)
    {
        ExpireOld();
        IEnumerable<Entry> missed = _entries;
        bool found = _byId.TryGetValue(lastId, out var last);
        if (found)
        {
            var from = last.Alert.SentAt - slack;
            missed = _entries.Where(e => e.Sequence > last.Sequence || e.Sequence < last.Sequence && e.Alert.SentAt >= from);
        }
        var frames = missed
            .OrderBy(e => e.Alert.SentAt).ThenBy(e => e.Alert.Id, StringComparer.Ordinal)
            .Select(e => e.Frame)
            .ToList();
        return (found, frames);
    }

    private void ExpireOld()
    {
        while (_entries.TryPeek(out var oldest) && clock.GetElapsedTime(oldest.ArrivedAt) > maxAge)
            Forget(_entries.Dequeue());
    }

    private void Forget(Entry entry)
    {
        // The id may have been re-added later (a republished alert); only drop the index if it is this entry.
        if (_byId.TryGetValue(entry.Alert.Id, out var indexed) && indexed.Sequence == entry.Sequence)
            _byId.Remove(entry.Alert.Id);
    }
}
