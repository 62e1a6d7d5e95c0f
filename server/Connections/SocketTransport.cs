namespace Notifications.Connections;

/// <summary>How a socket reached the server: upgraded on the bare socket, or by Kestrel and ASP.NET.</summary>
internal enum SocketTransport : byte
{
    Bare,
    Kestrel,
}

internal static class SocketTransports
{
    /// <summary>The transport as a metric label.</summary>
    public static string Label(this SocketTransport transport) => transport == SocketTransport.Bare ? "bare" : "kestrel";
}
