namespace Notifications.Connections;

/// <summary>
/// Which browser origins may open sockets. Browsers always send Origin on a WebSocket handshake and
/// cannot fake it, so checking it stops another site's page from using a visitor's session here.
/// Non-browser clients send none and are allowed: for them Origin proves nothing either way.
/// </summary>
internal sealed class OriginPolicy(bool allowAny, HashSet<string> allowed)
{
    public static OriginPolicy Parse(string? setting)
    {
        var entries = (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new OriginPolicy(entries.Contains("*"), entries.Select(e => e.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    public bool Allows(string? origin, HostString host)
    {
        if (string.IsNullOrEmpty(origin) || allowAny || allowed.Contains(origin))
            return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            return false;
        // The server's own origin (behind Fly's proxy the scheme differs, so compare the authority), and local development.
        return string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase)
            || uri.IsLoopback;
    }
}
