using System.Buffers;
using System.Net.WebSockets;
using Notifications.Messages;

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

    /// <summary>Runs the pump on the thread pool (global queue), so fan-out to many sockets spreads over the cores.</summary>
    private void StartPump() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => _ = PumpAsync();

    /// <summary>
    /// The only writer of data frames: takes everything queued, writes it as one batch, and repeats
    /// until the queue is empty (then goes idle) or the connection is closing (then sends the close
    /// frame and finishes). One write per batch, not per frame, is what lets a busy socket keep up.
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
                if (batch is not var (buffer, length, frames))
                    break;
                try
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, length), _sendCancel.Token);
                }
                finally
                {
                    // The write has completed: the socket (or Kestrel's pipe) took the bytes, nothing refers to the buffer any more.
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                lock (_queueLock)
                    _inFlight = 0;
                _framesOut += frames;
            }
            await SendCloseAsync();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            RequestClose(CloseReason.Aborted);
        }
        catch (Exception e)
        {
            // Never leave RunAsync waiting on a send side that died.
            Log.SendFailed(_logger, e, Id);
            RequestClose(CloseReason.Aborted);
        }
        _sendDone.TrySetResult();
    }

    /// <summary>
    /// Copies every queued frame into one pooled buffer. Null when there is nothing to write: then
    /// <paramref name="idle"/> says the pump stops (nothing queued, not closing) rather than going on to
    /// the close frame. A slow or departing client gets no backlog, only its close frame; an abuser's
    /// last error frames are still sent before its 1008.
    /// </summary>
    private (byte[] Buffer, int Length, int Frames)? TakeBatch(out bool idle)
    {
        lock (_queueLock)
        {
            var closing = ClosingFor;
            idle = false;
            if (closing is CloseReason.SlowClient or CloseReason.ClientClosed or CloseReason.MessageTooBig)
                _queue.Clear();
            if (_queue.Count == 0)
            {
                // Closing keeps the pump claimed, so no second pump starts after the close frame.
                idle = closing is null;
                if (idle)
                    _pumping = false;
                return null;
            }
            int length = 0;
            foreach (var frame in _queue)
                length += frame.Bytes.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            int offset = 0;
            foreach (var frame in _queue)
            {
                frame.Bytes.CopyTo(buffer, offset);
                offset += frame.Bytes.Length;
            }
            int frames = _queue.Count;
            _inFlight = frames;
            _queue.Clear();
            return (buffer, length, frames);
        }
    }

    private async Task SendCloseAsync()
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            return;
        var (status, description) = (ClosingFor ?? CloseReason.Aborted).ToClose();
        await _socket.CloseOutputAsync(status, description, _sendCancel.Token);
    }
}
