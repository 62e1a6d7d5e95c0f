using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Notifications.WebSockets;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>Marks the pump as running; true if it was idle, so the caller must start it. Call under <see cref="_queueLock"/>.</summary>
    private bool ClaimPump()
    {
        if (_pumping)
            return false;
        _pumping = true;
        return true;
    }

    /// <summary>
    /// Answers a ping: its pong replaces any not yet sent and goes out ahead of the queue, before a close
    /// frame too, so a ping followed at once by a close still gets its answer first.
    /// </summary>
    private void Pong(ReadOnlySpan<byte> payload)
    {
        var pong = SocketFrame.Pong(payload).Bytes;
        bool startPump;
        lock (_queueLock)
        {
            _pong = pong;
            startPump = ClaimPump();
        }
        if (startPump)
            StartPump();
    }

    /// <summary>
    /// From now until <see cref="ReleasePump"/>, a pump claimed is not queued on the thread pool but left to the
    /// opener, which sends the first frames on its own thread: no thread-pool hop before the client hears from us.
    /// </summary>
    public void HoldPump() => Volatile.Write(ref _pumpHeld, PumpHeld);

    /// <summary>Ends the hold of <see cref="HoldPump"/>: runs on this thread the pump claimed meanwhile (the first frames), if any.</summary>
    public void ReleasePump()
    {
        if (Interlocked.Exchange(ref _pumpHeld, PumpNotHeld) == PumpHeldAndClaimed)
            RunPump();
    }

    /// <summary>Runs the pump on the thread pool (global queue), or leaves it to the opener while it holds it. A broadcast starts many at once through <see cref="PumpStarter"/> instead.</summary>
    private void StartPump()
    {
        if (Volatile.Read(ref _pumpHeld) != PumpNotHeld && Interlocked.CompareExchange(ref _pumpHeld, PumpHeldAndClaimed, PumpHeld) == PumpHeld)
            return;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute() => RunPump();

    /// <summary>Runs the claimed pump on this thread until its first write that must wait (then it goes on by itself) or until it is done.</summary>
    internal void RunPump() => _ = PumpAsync(null, 0);

    /// <summary>
    /// For a broadcast that sends to many sockets at once (<see cref="PumpStarter"/>): the claimed pump's first batch and
    /// the descriptor to send it to, when a ring may send it (<see cref="PumpTake.Ring"/>; then <see cref="RunPump(PumpBatch, int)"/>
    /// must follow). Else <see cref="PumpTake.Idle"/> (nothing to send, the pump has stopped) or <see cref="PumpTake.Pump"/>
    /// (the caller runs the pump as <see cref="RunPump()"/>: a wire with no descriptor, frames to join, or a close to send).
    /// </summary>
    internal PumpTake TakeForRing(out PumpBatch batch, out SafeSocketHandle? descriptor)
    {
        batch = default;
        descriptor = _wire.Descriptor;
        if (descriptor is null)
            return PumpTake.Pump;
        // A batch that must be joined goes the usual way: a ring takes many batches at once, and as many pooled buffers out at once would outrun the pool.
        if (TakeBatch(out bool idle, wholeOnly: true) is not { } taken)
            return idle ? PumpTake.Idle : PumpTake.Pump;
        batch = taken;
        return PumpTake.Ring;
    }

    /// <summary>Goes on with the pump after a ring tried to send <paramref name="sent"/>, its first batch, with <paramref name="result"/> (<see cref="SocketWire.FinishWriteAsync"/>).</summary>
    internal void RunPump(PumpBatch sent, int result) => _ = PumpAsync(sent, result);

    /// <summary>
    /// The socket's only writer: takes everything queued, writes it as one batch, and repeats until
    /// the queue is empty (then goes idle) or the connection is closing (then sends the close frame
    /// and finishes). One write per batch, not per frame, is what lets a busy socket keep up. A ring
    /// may have sent the first batch already (<paramref name="sent"/>, with its <paramref name="result"/>).
    /// </summary>
    private async Task PumpAsync(PumpBatch? sent, int result)
    {
        try
        {
            while (true)
            {
                PumpBatch batch;
                bool finishing = sent is not null;
                if (sent is { } first)
                {
                    batch = first;
                    sent = null;
                }
                else if (TakeBatch(out bool idle) is { } taken)
                    batch = taken;
                else if (idle)
                    return;
                else
                    break;
                try
                {
                    var bytes = batch.Buffer.AsMemory(0, batch.Length);
                    await (finishing ? _wire.FinishWriteAsync(bytes, result) : _wire.WriteAsync(bytes));
                }
                finally
                {
                    // The write has completed: the socket (or the pipe or stream) took the bytes, nothing refers to the buffer any more.
                    if (batch.Pooled)
                        ArrayPool<byte>.Shared.Return(batch.Buffer);
                }
                // The batch is written; TakeBatch frees its room in the queue under the lock it takes anyway.
                _framesOut += batch.Frames;
            }
            await SendCloseAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException)
        {
            RequestClose(CloseReason.Dropped);
        }
        catch (Exception e)
        {
            // Never leave RunAsync waiting on a send side that died.
            Log.SendFailed(_logger, e, Id);
            RequestClose(CloseReason.ServerError);
        }
        TaskCompletionSource? waiter;
        lock (_queueLock)
        {
            _sendFinished = true;
            waiter = _sendDone;
        }
        waiter?.TrySetResult();
    }

    /// <summary>Completes when the pump has finished for good (the close frame sent, or the send side failed).</summary>
    private Task SendFinished()
    {
        lock (_queueLock)
            return _sendFinished ? Task.CompletedTask : (_sendDone = new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>
    /// Copies the pending pong and every queued frame into one pooled buffer, or hands over the frame's own
    /// bytes when one entry is all there is (the usual case: one broadcast, joined). Null when there is nothing
    /// to write: then <paramref name="idle"/> says the pump stops (nothing queued, not closing) rather than
    /// going on to the close frame. With <paramref name="wholeOnly"/>, also null (not idle) when the batch
    /// would have to be joined, and the queue is left as it was. A slow, departing or failed client gets no
    /// backlog, only the pong it is owed and its close frame; an abuser's last error frames are still sent
    /// before its 1008, and the reconnect hint before a 1012. A client that is gone gets nothing.
    /// </summary>
    private PumpBatch? TakeBatch(out bool idle, bool wholeOnly = false)
    {
        lock (_queueLock)
        {
            // Only the pump calls this, and only once its last batch is written.
            _inFlight = 0;
            var closing = ClosingFor;
            idle = false;
            if (closing is not (null or CloseReason.ServerShutdown or CloseReason.PolicyViolation or CloseReason.DialectClosed))
            {
                _queue.Clear();
                _queued = 0;
            }
            if (closing is { } reason && !reason.SendsCloseFrame())
                _pong = null;
            if (_queue.Count == 0 && _pong is null)
            {
                // Closing keeps the pump claimed, so no second pump starts after the close frame.
                idle = closing is null;
                if (idle)
                {
                    _pumping = false;
                    // Everything queued is written: room lent for a replay is no longer needed.
                    _queueCapacity = _options.SendQueueCapacity;
                }
                return null;
            }
            var queued = CollectionsMarshal.AsSpan(_queue);
            int frames = _queued;
            _inFlight = frames;
            _queued = 0;
            if (queued.Length == 1 && _pong is null)
            {
                var only = queued[0].Bytes;
                _queue.Clear();
                return new PumpBatch(only, only.Length, frames, false);
            }
            if (wholeOnly)
            {
                (_queued, _inFlight) = (frames, 0);
                return null;
            }
            int length = _pong?.Length ?? 0;
            foreach (var frame in queued)
                length += frame.Bytes.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            int offset = 0;
            if (_pong is { } pong)
            {
                pong.CopyTo(buffer, 0);
                offset = pong.Length;
                _pong = null;
            }
            foreach (var frame in queued)
            {
                frame.Bytes.CopyTo(buffer, offset);
                offset += frame.Bytes.Length;
            }
            _queue.Clear();
            return new PumpBatch(buffer, length, frames, true);
        }
    }

    /// <summary>
    /// The close frame (§5.5.1), whoever began the close; a peer that is gone or stopped answering gets
    /// none. After failing a connection (§7.1.7) nothing more is sent, and the output ends at once.
    /// </summary>
    private async Task SendCloseAsync()
    {
        var reason = ClosingFor ?? CloseReason.Dropped;
        if (!reason.SendsCloseFrame())
            return;
        var (status, description) = Dialect?.CloseFor(reason) ?? reason.ToClose();
        await _wire.WriteAsync(SocketFrame.Close(status, description).Bytes);
        if (reason.FailsConnection())
            _wire.EndOutput();
    }
}

/// <summary>What a send pump writes at once: the queued frames (and pong), in the frame's own bytes or joined in a pooled buffer.</summary>
internal readonly record struct PumpBatch(byte[] Buffer, int Length, int Frames, bool Pooled);

/// <summary>What <see cref="Connection.TakeForRing"/> found.</summary>
internal enum PumpTake
{
    /// <summary>Nothing to write: the pump has stopped.</summary>
    Idle,
    /// <summary>The batch is for the ring to send.</summary>
    Ring,
    /// <summary>The pump runs as usual (<see cref="Connection.RunPump()"/>).</summary>
    Pump,
}
