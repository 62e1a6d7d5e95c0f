using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Notifications.Connections;

/// <summary>
/// A socket upgraded on the bare Kestrel connection (<see cref="DirectUpgrade"/>): reads Kestrel's
/// input pipe, and writes straight to the socket when the transport exposes one. Writing to the
/// socket, not through the output pipe, means a frame waiting to go out never holds one of the
/// transport's 4 KiB blocks (a broadcast to N sockets took N of them until Kestrel's send loop caught
/// up), and skips that loop's thread hop. Every write goes the same way, so none can overtake another.
/// </summary>
internal sealed class KestrelWire : SocketWire
{
    private readonly ConnectionContext _connection;
    private readonly Socket? _socket;
    private volatile bool _ended;

    public KestrelWire(ConnectionContext connection)
    {
        _connection = connection;
        _socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        // A send the kernel cannot take at once fails fast instead of blocking, and WriteAsync waits for room
        // asynchronously. Kestrel's own reads are asynchronous operations, which this setting does not touch.
        if (_socket is not null)
            _socket.Blocking = false;
    }

    public override PipeReader Input => _connection.Transport.Input;

    /// <summary>
    /// Sends at once what the kernel's send buffer takes, which is nearly always everything: no
    /// asynchronous operation, so the socket keeps no state for one (about 360 bytes for its life).
    /// Only a peer that stopped reading makes the rest wait.
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_socket is null)
            return WriteToPipeAsync(bytes);
        try
        {
            while (!bytes.IsEmpty)
            {
                int sent = _socket.Send(bytes.Span, SocketFlags.None, out var error);
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
                bytes = bytes[await _socket!.SendAsync(bytes, SocketFlags.None)..];
        }
        catch (Exception e)
        {
            throw Failed(e);
        }
    }

    private async ValueTask WriteToPipeAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var result = await _connection.Transport.Output.WriteAsync(bytes);
            if (result.IsCanceled || result.IsCompleted)
                throw new IOException("The connection was closed while sending.");
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

    public override void Abort()
    {
        if (_ended)
            return;
        _connection.Transport.Input.CancelPendingRead();
        _connection.Abort();
    }

    /// <summary>Kestrel owns the pipes and closes the socket once the connection's middleware returns.</summary>
    public override void End() => _ended = true;
}
