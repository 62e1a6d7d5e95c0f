namespace Notifications.Connections;

/// <summary>
/// The upgraded connection's stream, with writes taken in turn. Two writers share it: the
/// connection's send pump, which writes alert frames it framed itself in batches, and
/// <see cref="System.Net.WebSockets.WebSocket"/>, which writes control frames (pong, keep-alive
/// ping, close). Every write is whole frames, so taking turns keeps frames intact. Reads pass through.
/// </summary>
internal sealed class SharedWriteStream(Stream inner) : AsyncDuplexStream
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The semaphore is left to the collector: a writer may still be waiting on it while the socket is aborted.
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
