namespace Notifications.Pusher.Channels;

/// <summary>
/// Where a Pusher channel lives among our channels: app <c>A</c>'s channel <c>X</c> is our channel
/// <c>pusher:A:X</c>. Both doors publish to and subscribe on that one name, so an event sent through either
/// reaches subscribers on both. Pusher names hold no ':' and app ids hold none either, so the mapping is
/// one-to-one and apps never share a channel. docs/protocol.md (Pusher protocol) has the whole story.
/// </summary>
internal static class PusherChannelMap
{
    /// <summary>The namespace of Pusher channels among ours.</summary>
    public const string Namespace = "pusher";

    /// <summary>The Pusher event name under which an alert sent through our own door reaches Pusher clients.</summary>
    public const string AlertEvent = "alert";

    private const string Prefix = Namespace + ":";

    public static string ToInternal(string appId, string pusherChannel) => string.Concat(Prefix, appId, ":", pusherChannel);

    /// <summary>The app and Pusher channel behind one of our channel names; false when the name is not in the Pusher namespace or not a valid Pusher channel.</summary>
    public static bool TryFromInternal(string internalName, out string appId, out PusherChannel channel)
    {
        appId = "";
        channel = default;
        if (!internalName.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        int colon = internalName.IndexOf(':', Prefix.Length);
        if (colon <= Prefix.Length || !PusherChannel.TryParse(internalName[(colon + 1)..], out channel))
            return false;
        appId = internalName[Prefix.Length..colon];
        return true;
    }
}
