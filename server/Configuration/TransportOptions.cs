using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>How sockets are taken from the network.</summary>
public sealed class TransportOptions
{
    /// <summary>
    /// Upgrade plain WebSocket handshakes on the bare socket, before Kestrel (<c>WS_BARE_SOCKETS</c>): a held
    /// socket then carries no Kestrel or ASP.NET objects. <c>false</c> sends every socket through Kestrel and
    /// ASP.NET, as any ASP.NET app takes them; the answer to every handshake is the same either way.
    /// </summary>
    [ConfigurationKeyName("WS_BARE_SOCKETS")]
    public bool BareSockets { get; set; } = true;
}
