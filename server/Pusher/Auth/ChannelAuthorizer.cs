using Notifications.Pusher.Apps;
using Notifications.Pusher.Channels;

namespace Notifications.Pusher.Auth;

/// <summary>
/// Checks the <c>auth</c> a client brings from the app's backend (Laravel's <c>/broadcasting/auth</c>):
/// <c>key:HMAC-SHA256(secret, socket_id:channel)</c> for private channels, with <c>:channel_data</c>
/// appended for presence channels (and for private ones whose backend signed custom data), and <c>key:HMAC(secret, socket_id::user::user_data)</c> for
/// <c>pusher:signin</c>. Signatures are compared in constant time. A refusal says why in words a
/// developer can act on (the signed text, never the secret).
/// </summary>
internal static class ChannelAuthorizer
{
    /// <summary>
    /// Null when <paramref name="auth"/> authorizes this socket on this channel; otherwise why not. A presence channel
    /// without <paramref name="channelData"/> is signed as a private one, for a socket <paramref name="signedIn"/>: it
    /// joins as the user it signed in as, as pusher-js expects when the auth endpoint sends no channel_data.
    /// </summary>
    public static string? Check(PusherApp app, string socketId, PusherChannel channel, string? auth, string? channelData, bool signedIn = false)
    {
        bool withData = !string.IsNullOrEmpty(channelData);
        if (channel.Kind == PusherChannelKind.Presence && !withData && !signedIn)
            return $"Subscribing to {channel.Name} needs channel_data from your auth endpoint, or a socket signed in (pusher:signin) first.";
        string what = $"Subscribing to {channel.Name}";
        if (!withData)
            return CheckSignature(app, auth, $"{socketId}:{channel.Name}", what);
        string? refusal = CheckSignature(app, auth, $"{socketId}:{channel.Name}:{channelData}", what);
        if (refusal is null || channel.Kind == PusherChannelKind.Presence)
            return refusal;
        // The server SDKs sign a private channel's custom data too when the backend passes some; the server uses none of it,
        // so a signature over the channel alone is as good.
        return CheckSignature(app, auth, $"{socketId}:{channel.Name}", what) is null ? null : refusal;
    }

    /// <summary>Null when <paramref name="auth"/> signs <paramref name="userData"/> for this socket (<c>pusher:signin</c>); otherwise why not.</summary>
    public static string? CheckSignin(PusherApp app, string socketId, string userData, string? auth) =>
        CheckSignature(app, auth, $"{socketId}::user::{userData}", "Signing in");

    private static string? CheckSignature(PusherApp app, string? auth, string signed, string what)
    {
        if (string.IsNullOrEmpty(auth))
            return $"{what} needs auth from your app's auth endpoint.";
        int colon = auth.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return "auth must be 'key:signature'.";
        if (!auth.AsSpan(0, colon).SequenceEqual(app.Key))
            return "auth was signed for another app key.";
        return app.Secret.Verify(signed, auth.AsSpan(colon + 1))
            ? null
            : $"Invalid signature: expected the HMAC-SHA256 hex digest of '{signed}'.";
    }
}
