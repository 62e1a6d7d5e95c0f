namespace Notifications.Pusher.Presence;

/// <summary>
/// An order-free fingerprint of a set of (channel, user) pairs: the XOR of each pair's 64-bit FNV-1a hash.
/// Adding and removing a pair are the same XOR, so both sides keep it up to date as they go. It detects
/// drift for anti-entropy; it is no defence against anyone.
/// </summary>
internal static class PresenceDigest
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string channel, string userId)
    {
        ulong hash = Offset;
        hash = Mix(hash, channel);
        hash = (hash ^ 0xFFFF) * Prime;
        return Mix(hash, userId);
    }

    private static ulong Mix(ulong hash, string text)
    {
        foreach (char c in text)
            hash = (hash ^ c) * Prime;
        return hash;
    }
}
