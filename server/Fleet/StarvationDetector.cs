namespace Notifications.Fleet;

/// <summary>
/// Notices a receive stream that has gone silent: this instance published a heartbeat while its stream
/// was open, Pub/Sub took it, and neither it nor a later one has come back within the bound. Heartbeats
/// are matched by their send stamps, so one redelivered late (published before the one outstanding) clears
/// nothing. Pure logic on timestamps, so it is tested with a fake clock.
/// </summary>
internal sealed class StarvationDetector(TimeSpan bound, TimeProvider clock)
{
    private long _oldestUnheard = -1;
    private long _oldestUnheardSent;
    private long _lastStamp;

    /// <summary>
    /// The send stamp for the next heartbeat: the wall clock, or just after the last stamp if the clock stepped back
    /// (an NTP correction), since a stamp older than one already heard would count as heard at once.
    /// </summary>
    public DateTimeOffset NextStamp()
    {
        long ticks = Math.Max(clock.GetUtcNow().UtcTicks, _lastStamp + 1);
        _lastStamp = ticks;
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    /// <summary>
    /// A heartbeat stamped <paramref name="sentTicks"/> (UTC ticks), whose publish call started at <paramref name="startedAt"/>
    /// (a timestamp), was taken by Pub/Sub. The bound runs from the call's start, not from its return: the
    /// echo can arrive before the call returns.
    /// </summary>
    public void Published(long startedAt, long sentTicks)
    {
        if (_oldestUnheard >= 0)
            return;
        _oldestUnheard = startedAt;
        _oldestUnheardSent = sentTicks;
    }

    /// <summary>Our own heartbeat stamped <paramref name="newestSentTicks"/> came back: it and every one published before it are accounted for.</summary>
    public void Heard(long newestSentTicks)
    {
        if (_oldestUnheard >= 0 && newestSentTicks >= _oldestUnheardSent)
            _oldestUnheard = -1;
    }

    /// <summary>Forgets what is outstanding: the stream is not open, so there is nothing to judge.</summary>
    public void Reset() => _oldestUnheard = -1;

    /// <summary>True when a heartbeat published more than the bound ago has still not come back; resets, so it fires once per episode.</summary>
    public bool IsStarved()
    {
        if (_oldestUnheard < 0 || clock.GetElapsedTime(_oldestUnheard) <= bound)
            return false;
        _oldestUnheard = -1;
        return true;
    }
}
