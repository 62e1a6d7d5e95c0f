using System.Net.Sockets;
using System.Net.WebSockets;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// A client that connects and then never reads: its tiny receive buffer fills at once, and since it
/// never reads it never answers pings either. The slow, or dead, peer of the tests; or, once a test
/// calls <see cref="ReceiveTextAsync"/>, a slow one that catches up.
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

    /// <summary>The next whole text message, read only now: everything before it waited in the server's and the kernel's buffers.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
                throw new InvalidOperationException($"The server closed the socket: {result.CloseStatus} {result.CloseStatusDescription}");
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return System.Text.Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
        }
    }

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
    }
}
