namespace Notifications.Connections;

/// <summary>Where the socket endpoint lives, matched as ASP.NET routing matches a route: ignoring case and a trailing slash.</summary>
internal static class SocketPath
{
    public const string Value = "/ws";

    public static bool Matches(ReadOnlySpan<char> path) =>
        path.Equals(Value, StringComparison.OrdinalIgnoreCase) || path.Equals(Value + "/", StringComparison.OrdinalIgnoreCase);
}
