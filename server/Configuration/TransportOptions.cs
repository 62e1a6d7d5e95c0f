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

    /// <summary>
    /// Send a broadcast's frames to many bare sockets in one io_uring submission (<c>WS_SEND_RING</c>, Linux), not
    /// one <c>send()</c> each. Where the kernel or its sandbox gives no io_uring, sends go one by one whatever this says.
    /// </summary>
    [ConfigurationKeyName("WS_SEND_RING")]
    public bool SendRing { get; set; } = true;
}
