using System.Globalization;
using Notifications.Pusher.Apps;

namespace Notifications.Pusher.Protocol;

/// <summary>
/// Decides a connect to <c>/app/{key}?protocol=7&amp;client=js&amp;version=…</c> after the upgrade: Pusher
/// refuses with a <c>pusher:error</c> frame and a close code, which pusher-js reads (an HTTP status it
/// could not see).
/// </summary>
internal static class PusherHandshake
{
    public const int OldestProtocol = 5;
    public const int NewestProtocol = 7;

    public static HandshakeDecision Decide(PusherApps apps, string key, string? protocol)
    {
        if (apps.ByKey(key) is not { } app)
            return HandshakeDecision.Refuse(PusherErrorCodes.UnknownApp, $"No app has the key '{Shorten.To(key)}'.");
        if (string.IsNullOrEmpty(protocol))
            return HandshakeDecision.Refuse(PusherErrorCodes.NoProtocol, "The connect URL needs ?protocol=7.");
        if (!int.TryParse(protocol, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version is < OldestProtocol or > NewestProtocol)
            return HandshakeDecision.Refuse(PusherErrorCodes.UnsupportedProtocol, $"Protocol '{Shorten.To(protocol)}' is not supported; this server speaks {OldestProtocol} to {NewestProtocol}.");
        return new HandshakeDecision(app, 0, "");
    }
}

/// <summary>The app a connect reached, or the code and message to refuse it with (send <c>pusher:error</c>, then close with the code).</summary>
internal sealed record HandshakeDecision(PusherApp? App, int Code, string Message)
{
    public static HandshakeDecision Refuse(int code, string message) => new(null, code, message);

    /// <summary>The error frame to send before closing with <see cref="Code"/>.</summary>
    public byte[] ErrorFrame() => PusherFrames.Error(Code, Message);
}
