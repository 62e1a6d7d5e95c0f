using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Notifications.Connections;

/// <summary>
/// A Kestrel connection as the stream a WebSocket runs on: reads from its transport pipe, writes
/// straight to its socket when the transport exposes one. A zero-byte read waits for data without
/// taking any, so an idle socket holds no buffer. Writing to the socket, not through the output pipe,
/// means a frame waiting to go out never holds one of the transport's 4 KiB blocks (a broadcast to N
/// sockets took N of them until Kestrel's send loop caught up), and skips that loop's thread hop; every
/// write goes this way, so none can overtake another.
/// Disposing wakes a pending read or flush, so aborting the WebSocket never leaves a loop waiting on
/// the peer. A socket write pending on a peer that stopped reading ends only with the socket, so with
/// one in use disposing aborts the connection, as does a failed or cancelled write, which may have
/// sent part of a frame: nothing written after it could be read correctly.
/// </summary>
internal sealed class TransportStream(ConnectionContext connection) : AsyncDuplexStream
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private readonly Socket? _socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
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
        if (_socket is not null)
        {
            try
            {
                while (!source.IsEmpty)
                    source = source[await _socket.SendAsync(source, SocketFlags.None, cancellationToken)..];
            }
            catch (Exception e)
            {
                connection.Abort();
                // As NetworkStream does: a stream's callers expect an IOException when the connection fails.
                if (e is SocketException socketError)
                    throw new IOException($"The connection failed while sending ({socketError.SocketErrorCode}).", e);
                throw;
            }
            return;
        }
        var result = await _output.WriteAsync(source, cancellationToken);
        if (result.IsCanceled || _disposed)
            throw new OperationCanceledException("The connection was aborted.");
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
            await _output.FlushAsync(cancellationToken);
    }

    /// <summary>The pipes belong to Kestrel, which completes them when the connection ends; this wakes their waiters, and ends a socket in use.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _input.CancelPendingRead();
            _output.CancelPendingFlush();
            if (_socket is not null)
                connection.Abort();
        }
        base.Dispose(disposing);
    }
}
