namespace Notifications.Pusher.Presence;

/// <summary>
/// Which of one sender's numbered messages (1, 2, 3, …) have arrived: <see cref="Watermark"/> is the highest n
/// such that 1..n all have; later ones that came early wait in a set until the gap closes.
/// </summary>
internal sealed class SequenceTracker
{
    private readonly SortedSet<long> _early = [];

    public long Watermark { get; private set; }

    /// <summary>Whether some message above the watermark arrived before one below it.</summary>
    public bool HasGap => _early.Count > 0;

    public void Saw(long seq)
    {
        if (seq <= Watermark)
            return;
        if (seq != Watermark + 1)
        {
            _early.Add(seq);
            return;
        }
        Watermark = seq;
        while (_early.Remove(Watermark + 1))
            Watermark++;
    }

    /// <summary>Everything up to <paramref name="seq"/> is accounted for (a state dump covered it).</summary>
    public void CoveredUpTo(long seq)
    {
        if (seq <= Watermark)
            return;
        Watermark = seq;
        _early.RemoveWhere(s => s <= seq);
        while (_early.Remove(Watermark + 1))
            Watermark++;
    }
}
