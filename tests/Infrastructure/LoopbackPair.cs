using System.Net;
using System.Net.Sockets;

namespace Notifications.Tests.Infrastructure;

/// <summary>Two ends of one real loopback TCP connection, the server's end non-blocking as <c>BareSocketWire</c> runs it.</summary>
public static class LoopbackPair
{
    public static async Task<(Socket Client, Socket Server)> ConnectAsync(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        var server = await listener.AcceptAsync(ct);
        server.Blocking = false;
        return (client, server);
    }
}
