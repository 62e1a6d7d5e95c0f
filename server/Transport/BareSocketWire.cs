using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Notifications.Connections;

namespace Notifications.Transport;

/// <summary>
/// A socket <see cref="BareSocketListener"/> accepted and upgraded itself: no transport pipes or loops, just
/// the socket. Reads wait with a zero-byte receive (<see cref="SocketReader"/>), so an idle socket holds
/// no buffer; writes go straight to the socket, so a frame waiting to go out holds no transport buffer
/// either. The wire owns the socket and closes it at <see cref="End"/>, then tells the listener the
/// socket's admitted address is free (so no frame waits out the socket in the listener).
/// </summary>
internal sealed class BareSocketWire : SocketWire
{
    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly SocketReceiver _receiver;
    private readonly SocketReader _input;
    private readonly BareSocketListener _listener;
    private readonly string _address;
    private int _ended;
    // The handshake's answer, not sent yet: it goes out in front of the first frames, in the same send.
    private byte[]? _answer;

    /// <param name="receiver">The socket's receiver from its handshake: the wire's reads go on with it.</param>
    /// <param name="answer">The handshake's answer (the 101), sent with the first write: one send and one segment instead of two.</param>
    public BareSocketWire(Socket socket, SocketReceiver receiver, BareSocketListener listener, string address, byte[] answer)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        _receiver = receiver;
        _listener = listener;
        _address = address;
        _answer = answer;
        _input = new SocketReader(socket, receiver);
        // A send the kernel cannot take at once fails fast instead of blocking, and WriteAsync waits for room
        // asynchronously. Reads are asynchronous operations, which the mode does not touch.
        socket.Blocking = false;
    }

    public override PipeReader Input => _input;

    /// <summary>
    /// Sends at once what the kernel's send buffer takes, which is nearly always everything: no
    /// asynchronous operation, so the socket keeps no state for one for the rest of its life.
    /// Only a peer that stopped reading makes the rest wait. On Linux the send goes to the
    /// descriptor itself (<see cref="DescriptorSend"/>): a broadcast makes one per socket.
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_answer is { } answer)
        {
            _answer = null;
            return WriteAfterAnswer(answer, bytes);
        }
        return Send(bytes);
    }

    /// <summary>On Linux, once the handshake's answer is out (it goes in front of the first frames, by <see cref="WriteAsync"/>).</summary>
    public override SafeSocketHandle? Descriptor => DescriptorSend.IsSupported && _answer is null ? _handle : null;

    /// <summary>What the ring did not send goes as <see cref="WriteAsync"/> sends: at once if the kernel takes it, else when there is room.</summary>
    public override ValueTask FinishWriteAsync(ReadOnlyMemory<byte> bytes, int result)
    {
        if (result == SendRing.NotSent || result == -DescriptorSend.Interrupted)
            return Send(bytes);
        // The socket is full: wait for room, as Send would after trying once more in vain.
        if (result == -DescriptorSend.WouldBlock)
            return SendWhenRoomAsync(bytes);
        if (result < 0)
        {
            // As Send fails: a socket closed already is disposed, any other error aborts the connection.
            var error = DescriptorSend.ErrorOf(-result);
            return ValueTask.FromException(Failed(error == SocketError.OperationAborted
                ? new ObjectDisposedException(nameof(Socket))
                : new SocketException((int)error)));
        }
        return result == bytes.Length ? ValueTask.CompletedTask : Send(bytes[result..]);
    }

    /// <summary>The handshake's answer and the first frames joined in one pooled buffer, given back once sent.</summary>
    private ValueTask WriteAfterAnswer(byte[] answer, ReadOnlyMemory<byte> bytes)
    {
        int length = answer.Length + bytes.Length;
        byte[] joined = ArrayPool<byte>.Shared.Rent(length);
        answer.CopyTo(joined, 0);
        bytes.Span.CopyTo(joined.AsSpan(answer.Length));
        var sending = Send(joined.AsMemory(0, length));
        if (!sending.IsCompleted)
            return GiveBackWhenSent(sending, joined);
        ArrayPool<byte>.Shared.Return(joined);
        return sending;
    }

    private static async ValueTask GiveBackWhenSent(ValueTask sending, byte[] buffer)
    {
        try
        {
            await sending;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ValueTask Send(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                int sent = DescriptorSend.IsSupported
                    ? DescriptorSend.Send(_handle, bytes.Span, out var error)
                    : _socket.Send(bytes.Span, SocketFlags.None, out error);
                if (error == SocketError.WouldBlock)
                    return SendWhenRoomAsync(bytes);
                if (error != SocketError.Success)
                    throw new SocketException((int)error);
                bytes = bytes[sent..];
            }
            return ValueTask.CompletedTask;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(Failed(e));
        }
    }

    private async ValueTask SendWhenRoomAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            while (!bytes.IsEmpty)
                bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
        }
        catch (Exception e)
        {
            throw Failed(e);
        }
    }

    /// <summary>A failed write may have sent part of a frame: the connection is aborted, and the caller gets an IOException, as from NetworkStream.</summary>
    private Exception Failed(Exception e)
    {
        Abort();
        return e is SocketException socketError
            ? new IOException($"The connection failed while sending ({socketError.SocketErrorCode}).", e)
            : e;
    }

    /// <summary>A FIN now, after the close frame: the client sees the end at once, and what it still sends is read until it closes its side.</summary>
    public override void EndOutput()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer, or closed.
        }
    }

    /// <summary>Closing the socket fails a pending receive (which ends the receive loop) and any pending send.</summary>
    public override void Abort()
    {
        if (Volatile.Read(ref _ended) == 0)
            Close(_socket);
    }

    /// <summary>The receive loop is done with the input; what was written still goes out before the FIN.</summary>
    public override void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        _input.Complete();
        Close(_socket, connected: !_input.Failed);
        _receiver.Dispose();
        _listener.Ended(_address);
    }

    /// <summary>
    /// As Kestrel ends a connection: a FIN after what is queued, then the descriptor is released. A socket
    /// that failed (<paramref name="connected"/> false: the peer reset it) has nothing to shut down, and
    /// trying would only throw.
    /// </summary>
    public static void Close(Socket socket, bool connected = true)
    {
        if (connected)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Reset by the peer meanwhile, or closed.
            }
        }
        socket.Dispose();
    }
}
