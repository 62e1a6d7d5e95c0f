using System.IO.Pipelines;
using System.Net.Sockets;
using Notifications.Transport;

namespace Notifications.Connections;

/// <summary>
/// What a connection runs on, however it was upgraded: the bytes the client sends, as a pipe read in
/// place (an idle socket holds no buffer), and a way to write bytes and to end the connection.
/// The connection's send pump is its only writer, and writes whole frames.
/// </summary>
internal abstract class SocketWire
{
    /// <summary>The client's bytes. The connection's receive loop is its only reader.</summary>
    public abstract PipeReader Input { get; }

    /// <summary>
    /// Writes <paramref name="bytes"/>; once this completes the caller may reuse them. A write that
    /// fails aborts the connection: it may have sent part of a frame, and nothing after it could be read.
    /// </summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>
    /// The socket's handle while a write may go straight to its descriptor from outside the wire (a <see cref="SendRing"/>):
    /// nothing of the wire's own must go first. Null for wires that cannot.
    /// </summary>
    public virtual SafeSocketHandle? Descriptor => null;

    /// <summary>
    /// Finishes a write of <paramref name="bytes"/> that a ring already tried: <paramref name="result"/> is what it sent, or
    /// the negated errno, or <see cref="SendRing.NotSent"/>. Completes as <see cref="WriteAsync"/> would have.
    /// </summary>
    public virtual ValueTask FinishWriteAsync(ReadOnlyMemory<byte> bytes, int result) =>
        throw new NotSupportedException("Only a wire with a descriptor is written to by a ring.");

    /// <summary>
    /// Nothing more will be written (the close frame of a failed connection was the last): where the
    /// transport can, the client sees the end of the stream now, while what it still sends is read and
    /// thrown away until it closes its side.
    /// </summary>
    public virtual void EndOutput()
    {
    }

    /// <summary>Ends the connection now: a pending read returns, a pending write fails. Does nothing once <see cref="End"/> ran.</summary>
    public abstract void Abort();

    /// <summary>The connection is over: gives back what the wire holds; from now on <see cref="Abort"/> does nothing.</summary>
    public abstract void End();
}
