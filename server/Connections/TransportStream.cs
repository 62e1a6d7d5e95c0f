using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Notifications.Connections;

/// <summary>
/// A Kestrel connection as the stream a WebSocket runs on: reads from its transport pipe, writes
/// straight to its socket when the transport exposes one. A zero-byte read waits for data without
/// taking any, so an idle socket holds no buffer. Writing to the socket, not through the output pipe,
/// means a frame waiting to go out never holds one of the transport's 4 KiB blocks (a broadcast to N
/// sockets took N of them until Kestrel's send loop caught up), and skips that loop's thread hop; every
/// write goes this way, so none can overtake another. Disposing wakes a pending read or flush, so
/// aborting the WebSocket never leaves a loop waiting on the peer; a pending socket write ends with
/// its caller's cancellation or the connection.
/// </summary>
internal sealed class TransportStream(IDuplexPipe transport, Socket? socket) : AsyncDuplexStream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;
    private volatile bool _disposed;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var result = await _input.ReadAsync(cancellationToken);
        if (result.IsCanceled || _disposed)
        {
            _input.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("The connection was aborted.");
        }
        var buffer = result.Buffer;
        if (destination.IsEmpty || buffer.IsEmpty)
        {
            // A zero-byte read (data has arrived, none taken), or the end of the stream (0).
            _input.AdvanceTo(buffer.Start);
            return 0;
        }
        int count = (int)Math.Min(destination.Length, buffer.Length);
        var taken = buffer.Slice(0, count);
        taken.CopyTo(destination.Span);
        _input.AdvanceTo(taken.End);
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        if (_disposed)
            throw new OperationCanceledException("The connection was aborted.");
        if (socket is not null)
        {
            try
            {
                while (!source.IsEmpty)
                    source = source[await socket.SendAsync(source, SocketFlags.None, cancellationToken)..];
            }
            catch (SocketException e)
            {
                // As NetworkStream does: a stream's callers expect an IOException when the connection fails.
                throw new IOException($"The connection failed while sending ({e.SocketErrorCode}).", e);
            }
            return;
        }
        var result = await _output.WriteAsync(source, cancellationToken);
        if (result.IsCanceled || _disposed)
            throw new OperationCanceledException("The connection was aborted.");
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (socket is null)
            await _output.FlushAsync(cancellationToken);
    }

    /// <summary>The pipes belong to Kestrel, which completes them when the connection ends; this only wakes their waiters.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _input.CancelPendingRead();
            _output.CancelPendingFlush();
        }
        base.Dispose(disposing);
    }
}
