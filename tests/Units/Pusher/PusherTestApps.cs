using Notifications.Configuration;
using Notifications.Pusher.Apps;

namespace Notifications.Tests.Units.Pusher;

/// <summary>The app the reference vectors were made with (the Node <c>pusher</c> SDK, key <c>app-key</c>, secret <c>app-secret</c>).</summary>
internal static class PusherTestApps
{
    public static PusherApps Apps(Action<PusherOptions>? configure = null)
    {
        var options = new PusherOptions { Apps = "1001:app-key:app-secret,2002:other-key:other-secret" };
        configure?.Invoke(options);
        return PusherApps.From(options);
    }

    public static PusherApp App(Action<PusherOptions>? configure = null) => Apps(configure).ById("1001")!;
}
