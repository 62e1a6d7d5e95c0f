using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Notifications.Transport;

/// <summary>
/// The client's bytes on a <see cref="BareSocketWire"/>, read straight from the socket into one pooled
/// buffer that exists only while bytes wait in it. An idle socket waits with a zero-byte receive: it
/// holds no buffer, stream or cancellation source, only its <see cref="SocketReceiver"/>. The one reader
/// is the connection's receive loop, which never cancels a read: aborting closes the socket, which
/// ends a pending read. A peer's FIN, its reset and a close under the read all end the input the same
/// way (a completed result), without an exception; <see cref="Failed"/> tells a reset apart.
/// </summary>
internal sealed class SocketReader(Socket socket, SocketReceiver receiver) : PipeReader
{
    private const int MinimumBufferSize = 4096;

    private byte[]? _buffer;
    // The bytes received and not yet consumed, and the sequence last handed out over them.
    private int _start, _end;
    private ReadOnlySequence<byte> _handedOut;
    // Everything buffered was examined: the next read waits for more.
    private bool _examinedAll = true;
    private bool _clientDone;
    // Reads in a row that found bytes waiting and so completed on the loop's own thread (see ReceiveAsync).
    private int _readyInARow;
    private const int ReadyReadsBeforeYield = 16;

    /// <summary>The input ended with a socket error (a reset, or the socket closed under the read), not a FIN: there is no connection left to shut down.</summary>
    public bool Failed { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        TryRead(out var result) ? ValueTask.FromResult(result) : ReceiveAsync();

    public override bool TryRead(out ReadResult result)
    {
        // Bytes not yet examined, or the end of the input, are there without waiting.
        bool ready = !_examinedAll || _clientDone;
        result = ready ? HandOut() : default;
        return ready;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync()
    {
        // A peer that never pauses would keep its receive loop on one thread-pool thread for as long as it sends, and
        // two such peers would hold both workers of a two-core machine: now and then the loop gives its thread back.
        if (++_readyInARow >= ReadyReadsBeforeYield)
        {
            _readyInARow = 0;
            await Task.Yield();
        }
        if (_buffer is null)
        {
            var waiting = receiver.WaitForDataAsync(socket);
            if (!waiting.IsCompleted)
                _readyInARow = 0;
            // Bytes already there (frames sent right behind the head) would be handled on this thread, and a client that
            // keeps sending would keep it: the accept thread hands them to the thread pool (nothing there: no hop).
            if (waiting.IsCompleted && AcceptThread.IsCurrent)
                await Task.Yield();
            var waited = await waiting;
            if (waited != SocketError.Success)
                return End(failed: true);
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumBufferSize);
        }
        else if (_end == _buffer.Length)
        {
            MakeRoom();
        }
        // The wait said bytes are there: take them at once. Only a wait that woke early, or a buffer filled
        // before the frame in it was whole, waits again.
        int received = socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            _readyInARow = 0;
            error = await receiver.ReceiveAsync(socket, _buffer.AsMemory(_end));
            received = receiver.BytesTransferred;
        }
        if (error != SocketError.Success)
            return End(failed: true);
        if (received == 0)
            return End(failed: false);
        _end += received;
        _examinedAll = false;
        return HandOut();
    }

    private ReadResult End(bool failed)
    {
        Failed = failed;
        _clientDone = true;
        _examinedAll = false;
        return HandOut();
    }

    /// <summary>A full buffer whose bytes were all examined: the frame in it is longer. Move it to the front, or take a larger buffer.</summary>
    private void MakeRoom()
    {
        int length = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer!, _start, _buffer!, 0, length);
        }
        else
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(_buffer!.Length * 2);
            Buffer.BlockCopy(_buffer, 0, larger, 0, length);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        _start = 0;
        _end = length;
    }

    private ReadResult HandOut()
    {
        _handedOut = _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
        return new ReadResult(_handedOut, isCanceled: false, isCompleted: _clientDone);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_buffer is null)
            return;
        _start += (int)_handedOut.Slice(_handedOut.Start, consumed).Length;
        _examinedAll = _handedOut.Slice(_handedOut.Start, examined).Length == _handedOut.Length;
        if (_start == _end)
            GiveBackBuffer();
    }

    private void GiveBackBuffer()
    {
        if (_buffer is not null)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _handedOut = default;
        _start = _end = 0;
    }

    /// <summary>Not needed: the connection ends a read by closing the socket (<see cref="BareSocketWire.Abort"/>).</summary>
    public override void CancelPendingRead() =>
        throw new NotSupportedException("A socket read is ended by closing the socket.");

    public override void Complete(Exception? exception = null) => GiveBackBuffer();
}
