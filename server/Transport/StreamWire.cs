using System.IO.Pipelines;
using Notifications.Connections;

namespace Notifications.Transport;

/// <summary>
/// A socket Kestrel upgraded (every socket with <c>WS_BARE_SOCKETS=false</c>; else HTTP/2 extended
/// CONNECT, or a handshake <see cref="BareSocketHandshake"/> left to Kestrel): the upgraded stream, read
/// through a pipe that waits with zero-byte reads, so an idle socket holds no buffer here either.
/// </summary>
internal sealed class StreamWire(Stream stream, HttpContext context) : SocketWire
{
    private readonly PipeReader _input = PipeReader.Create(stream,
        new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
    // ASP.NET reuses an HttpContext once its request ends: End and Abort take turns, so no abort can reach the next request.
    private readonly Lock _ending = new();
    private bool _ended;

    public override PipeReader Input => _input;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }
        catch
        {
            Abort();
            throw;
        }
    }

    public override void Abort()
    {
        lock (_ending)
        {
            if (_ended)
                return;
            _input.CancelPendingRead();
            context.Abort();
        }
    }

    public override void End()
    {
        lock (_ending)
            _ended = true;
        _input.Complete();
    }
}
