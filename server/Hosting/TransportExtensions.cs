using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Notifications.Transport;

namespace Notifications.Hosting;

internal static class TransportExtensions
{
    /// <summary>Accepted sockets inherit the listening socket's buffer size (Linux), which caps what a stalled client can park in the kernel.</summary>
    public const int SocketSendBufferBytes = 64 * 1024;

    /// <summary>
    /// Socket settings for a fan-out server. The send buffer is capped, because Linux otherwise grows it
    /// to its tcp_wmem maximum, megabytes, for a peer that stopped reading: thousands of alerts parked out of sight before the
    /// send queue notices, and the 1013 close stuck behind them. The backlog is raised so a reconnect
    /// storm after a deploy is queued, not dropped into one-second SYN retries.
    /// </summary>
    public static void TuneSockets(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<SocketTransportOptions>(options =>
        {
            options.Backlog = 4096;
            options.CreateBoundListenSocket = endpoint =>
            {
                var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    socket.SendBufferSize = SocketSendBufferBytes;
                return socket;
            };
        });
    }

    /// <summary>
    /// Unless <c>WS_BARE_SOCKETS</c> is off, plain WebSocket handshakes for <c>/ws</c> are taken as the
    /// socket is accepted, before Kestrel, so a held socket carries no transport pipes and no HTTP objects
    /// (see <see cref="BareSocketListener"/> and <see cref="BareSocketHandshake"/>). Applies to every TCP
    /// endpoint Kestrel binds, however its address was configured.
    /// </summary>
    public static void TakeBareSockets(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BareSocketHandshake>();
        // Kestrel asks the transport registered last first; it declines every endpoint when the setting is off.
        builder.Services.AddSingleton<IConnectionListenerFactory, BareSocketTransport>();
    }
}
