using System.Buffers;
using System.IO.Pipelines;

namespace Notifications.Connections;

/// <summary>
/// A Kestrel connection's transport pipes as the stream a WebSocket runs on. A zero-byte read waits
/// for data without taking any, so an idle socket holds no buffer; disposing wakes a pending read or
/// flush, so aborting the WebSocket never leaves a loop waiting on the peer.
/// </summary>
internal sealed class TransportStream(IDuplexPipe transport) : AsyncDuplexStream
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
        var result = await _output.WriteAsync(source, cancellationToken);
        if (result.IsCanceled || _disposed)
            throw new OperationCanceledException("The connection was aborted.");
    }

    public override async Task FlushAsync(CancellationToken cancellationToken) => await _output.FlushAsync(cancellationToken);

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
