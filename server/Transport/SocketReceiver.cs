using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Notifications.Transport;

/// <summary>
/// One socket's receive operations, awaited without exceptions: each reports the socket's
/// <see cref="SocketError"/> (with <see cref="SocketAsyncEventArgs.BytesTransferred"/>), so a peer that
/// resets, which is how most clients leave, ends a read as plainly as a FIN does. The socket's own
/// awaitable receive throws a <see cref="SocketException"/> there, and building and throwing it costs
/// more than everything else a closing connection does. One per socket, from its handshake to its end:
/// the socket then never makes a receive state of its own.
/// </summary>
internal sealed class SocketReceiver : SocketAsyncEventArgs, IValueTaskSource<SocketError>
{
    private ManualResetValueTaskSourceCore<SocketError> _source;
    // 1 while an operation is pending and its result not yet handed to the awaiter.
    private int _pending;

    public SocketReceiver() : base(unsafeSuppressExecutionContextFlow: true)
    {
        // The continuation runs on the thread that completed the receive, as the socket's own awaitable does.
        _source.RunContinuationsAsynchronously = false;
    }

    /// <summary>A zero-byte receive: completes when bytes are there to read (or the peer closed or failed), taking none and holding no buffer.</summary>
    public ValueTask<SocketError> WaitForDataAsync(Socket socket) => ReceiveAsync(socket, Memory<byte>.Empty);

    /// <summary>Receives into <paramref name="buffer"/>; on success <see cref="SocketAsyncEventArgs.BytesTransferred"/> says how much came (0: the peer's FIN).</summary>
    public ValueTask<SocketError> ReceiveAsync(Socket socket, Memory<byte> buffer)
    {
        SetBuffer(buffer);
        _source.Reset();
        Volatile.Write(ref _pending, 1);
        bool completesLater;
        try
        {
            completesLater = socket.ReceiveAsync(this);
        }
        catch (ObjectDisposedException)
        {
            // Closed under us (the connection was aborted): an ending like any other.
            Volatile.Write(ref _pending, 0);
            return ValueTask.FromResult(SocketError.OperationAborted);
        }
        if (completesLater)
            return new ValueTask<SocketError>(this, _source.Version);
        Volatile.Write(ref _pending, 0);
        var error = SocketError;
        // No buffer stays referenced while the socket idles.
        SetBuffer(Memory<byte>.Empty);
        return ValueTask.FromResult(error);
    }

    /// <summary>
    /// Ends the wait for the pending operation now, with <see cref="SocketError.TimedOut"/>: a handshake
    /// whose client was silent too long. The operation itself stays pending on the socket, so this
    /// receiver is never used again; what completes it later is ignored.
    /// </summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _pending, 0) == 1)
            _source.SetResult(SocketError.TimedOut);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            var error = SocketError;
            SetBuffer(Memory<byte>.Empty);
            _source.SetResult(error);
        }
    }

    SocketError IValueTaskSource<SocketError>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketError>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<SocketError>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
