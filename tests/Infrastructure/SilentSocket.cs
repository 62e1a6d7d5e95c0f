using System.Net.Sockets;
using System.Net.WebSockets;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// A client that connects and then never reads: its tiny receive buffer fills at once, and since it
/// never reads it never answers pings either. The slow, or dead, peer of the tests.
/// </summary>
public sealed class SilentSocket : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly HttpMessageInvoker _invoker;

    private SilentSocket()
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
    }

    public static async Task<SilentSocket> ConnectAsync(Uri uri)
    {
        var silent = new SilentSocket();
        await silent._socket.ConnectAsync(uri, silent._invoker, TestContext.Current.CancellationToken);
        return silent;
    }

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
    }
}
