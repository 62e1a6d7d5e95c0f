namespace Notifications.Transport;

/// <summary>
/// Marks the listener's accept thread, which runs a new socket's handshake itself when no other socket waits
/// (<see cref="BareSocketListener"/>). Work that may take long or wait on a lock a broadcast holds (a client's
/// frames sent right behind its head, a resume) asks <see cref="IsCurrent"/> and moves to the thread pool
/// first, so no client can hold up the next accept.
/// </summary>
internal static class AcceptThread
{
    [ThreadStatic]
    private static bool _isAcceptThread;

    public static bool IsCurrent => _isAcceptThread;

    /// <summary>Called once, by the accept thread itself.</summary>
    public static void MarkCurrent() => _isAcceptThread = true;
}
