namespace Notifications.Fleet;

/// <summary>
/// Notices a receive stream that has gone silent: this instance published a heartbeat while its stream
/// was open, Pub/Sub took it, and it has not come back within the bound. Pure logic on timestamps, so it
/// is tested with a fake clock.
/// </summary>
internal sealed class StarvationDetector(TimeSpan bound, TimeProvider clock)
{
    private long _oldestUnheard = -1;

    /// <summary>
    /// A heartbeat whose publish call started at <paramref name="startedAt"/> was taken by Pub/Sub. The start,
    /// not the moment the call returned: the echo can arrive before the call returns, and must still count.
    /// </summary>
    public void Published(long startedAt)
    {
        if (_oldestUnheard < 0)
            _oldestUnheard = startedAt;
    }

    /// <summary>Our own heartbeat came back at <paramref name="heardAt"/> (a timestamp): everything published before it is accounted for.</summary>
    public void Heard(long heardAt)
    {
        if (_oldestUnheard >= 0 && heardAt >= _oldestUnheard)
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
