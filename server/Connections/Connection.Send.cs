using System.Buffers;
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
    internal void RunPump() => _ = PumpAsync();

    /// <summary>
    /// The socket's only writer: takes everything queued, writes it as one batch, and repeats until
    /// the queue is empty (then goes idle) or the connection is closing (then sends the close frame
    /// and finishes). One write per batch, not per frame, is what lets a busy socket keep up.
    /// </summary>
    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                var batch = TakeBatch(out bool idle);
                if (idle)
                    return;
                if (batch is not var (buffer, length, frames, pooled))
                    break;
                try
                {
                    await _wire.WriteAsync(buffer.AsMemory(0, length));
                }
                finally
                {
                    // The write has completed: the socket (or the pipe or stream) took the bytes, nothing refers to the buffer any more.
                    if (pooled)
                        ArrayPool<byte>.Shared.Return(buffer);
                }
                // The batch is written; TakeBatch frees its room in the queue under the lock it takes anyway.
                _framesOut += frames;
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
    /// going on to the close frame. A slow, departing or failed client gets no backlog, only the pong it
    /// is owed and its close frame; an abuser's last error frames are still sent before its 1008, and the
    /// reconnect hint before a 1012. A client that is gone gets nothing.
    /// </summary>
    private (byte[] Buffer, int Length, int Frames, bool Pooled)? TakeBatch(out bool idle)
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
                return (only, only.Length, frames, false);
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
            return (buffer, length, frames, true);
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
