using Notifications.Channels;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Delivery;

/// <summary>
/// The <c>global</c> alerts this instance received lately, in arrival order, bounded by count and age: what
/// a client reconnecting with <c>?since=</c> is replayed from. Other channels keep a <see cref="ChannelWindow"/>.
/// Not thread-safe; <see cref="AlertFanout"/> guards it.
/// </summary>
/// <remarks>
/// The window keeps a copy of each frame in a slot of its own, allocated once, rather than the frame the sockets
/// were given: at the fan-out's rates the window turns over in under a second, and every young frame it held would
/// be copied by each gen0 collection and pushed on into gen2. A frame too large for a slot is held as it is, or
/// copied out of the broadcast's frame it shares.
/// </remarks>
internal sealed class RecentAlerts
{
    /// <summary>Room for a frame in the window's own slots: an alert's frame without a large <c>data</c> fits.</summary>
    public const int SlotBytes = 512;

    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _clock;
    private readonly Queue<WindowEntry> _entries;
    private readonly Dictionary<AlertKey, WindowEntry> _byId;
    // Entry s keeps its frame in slot s % capacity (its window holds at most capacity consecutive sequences), unless its Frame is set.
    private readonly byte[] _slots;
    private readonly int[] _slotLengths;
    // A slot's frame as resumes share it, made at the first resume that replays it and dropped when the slot is reused.
    private readonly SocketFrame?[] _replayFrames;
    private readonly Func<WindowEntry, SocketFrame> _frameOf;
    private long _nextSequence;
    private DateTimeOffset _forgottenUpTo = DateTimeOffset.MinValue;

    public RecentAlerts(int capacity, TimeSpan maxAge, TimeProvider clock)
    {
        _capacity = capacity;
        _maxAge = maxAge;
        _clock = clock;
        _entries = new(capacity);
        _byId = new(capacity);
        // Untouched pages cost no memory: the slots take up room only as alerts fill them.
        _slots = GC.AllocateUninitializedArray<byte>(capacity * SlotBytes);
        _slotLengths = new int[capacity];
        _replayFrames = new SocketFrame?[capacity];
        _frameOf = FrameOf;
    }

    /// <summary>Keeps <paramref name="alert"/>, whose frame lies at <paramref name="frame"/> in <paramref name="sent"/>: the frame the sockets were given, which may hold a whole broadcast's.</summary>
    public void Add(AlertMessage alert, SocketFrame sent, Range frame)
    {
        var wire = sent.Bytes.AsSpan(frame);
        // Forgetting the oldest first frees the slot the new entry takes.
        if (_entries.Count == _capacity)
            Forget(_entries.Dequeue());
        long sequence = _nextSequence++;
        int slot = Slot(sequence);
        _replayFrames[slot] = null;
        SocketFrame held = default;
        if (wire.Length <= SlotBytes)
        {
            wire.CopyTo(_slots.AsSpan(slot * SlotBytes));
            _slotLengths[slot] = wire.Length;
        }
        else
        {
            // A frame shared with other alerts is copied out, so the window does not keep the whole broadcast alive.
            held = sent.Count == 1 ? sent : SocketFrame.CopyOf(wire);
        }
        var entry = new WindowEntry(sequence, alert, held, _clock.GetUtcNow(), _clock.GetTimestamp());
        _entries.Enqueue(entry);
        _byId[entry.Id] = entry;
    }

    /// <summary>
    /// What a client whose last alert was <paramref name="since"/> (optionally followed by a stamp heard after it, <see cref="AlertIds.ResumePoints"/>) may have missed, by <see cref="ResumeRule.Missed"/>:
    /// what arrived after it, and what was sent up to <paramref name="slack"/> before it, sorted by send time;
    /// the whole window, not complete, when this window cannot prove it holds all that was missed.
    /// </summary>
    /// <param name="receivingSince">Since when this instance has received every alert on the topic (its subscription's creation).</param>
    /// <param name="missedUpTo">Until when this instance may have missed alerts it held before (a subscription made again after it was lost).</param>
    public ChannelReplay Since(string since, TimeSpan slack, DateTimeOffset receivingSince, DateTimeOffset missedUpTo = default)
    {
        ExpireOld();
        var (lastId, fallback) = AlertIds.ResumePoints(since);
        WindowEntry? last = _byId.TryGetValue(AlertKey.Of(lastId), out var known) ? known : null;
        return ResumeRule.Missed(_entries, last, lastId, fallback, slack, receivingSince, missedUpTo > _forgottenUpTo ? missedUpTo : _forgottenUpTo, _frameOf);
    }

    private int Slot(long sequence) => (int)(sequence % _capacity);

    private SocketFrame FrameOf(WindowEntry entry)
    {
        if (entry.Frame.Bytes is not null)
            return entry.Frame;
        int slot = Slot(entry.Sequence);
        return _replayFrames[slot] ??= SocketFrame.CopyOf(_slots.AsSpan(slot * SlotBytes, _slotLengths[slot]));
    }

    private void ExpireOld()
    {
        while (_entries.TryPeek(out var oldest) && _clock.GetElapsedTime(oldest.ArrivedAt) > _maxAge)
            Forget(_entries.Dequeue());
    }

    private void Forget(WindowEntry entry)
    {
        if (entry.LatestAt > _forgottenUpTo)
            _forgottenUpTo = entry.LatestAt;
        // The id may have been re-added later (a republished alert); only drop the index if it is this entry.
        if (_byId.TryGetValue(entry.Id, out var indexed) && indexed.Sequence == entry.Sequence)
            _byId.Remove(entry.Id);
        // The slot's frame may still be in a replay queued on a socket: it is left to the GC, not reused.
        _replayFrames[Slot(entry.Sequence)] = null;
    }
}
