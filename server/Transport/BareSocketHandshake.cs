using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Notifications.Connections;
using Notifications.WebSockets;

namespace Notifications.Transport;

/// <summary>
/// Takes plain WebSocket handshakes for <c>/ws</c> off a new socket before Kestrel sees it, and runs the
/// socket on a <see cref="BareSocketWire"/>. A socket held this way costs a fraction of one held through
/// Kestrel and ASP.NET, whose transport pipes and loops, request, header and context objects live as
/// long as the socket. The head is only peeked at until it is taken, so everything else (other
/// requests, refusals, unusual handshakes, TLS, HTTP/2) goes on to Kestrel with its bytes unread, where
/// <see cref="KestrelSocketEndpoint"/> answers it. Both ask <see cref="Admission.AdmitAsync"/> and run the
/// socket with <see cref="ConnectionHost.ServeAsync"/>.
/// </summary>
internal sealed class BareSocketHandshake(ConnectionHost host, Admission admission, IOptions<KestrelServerOptions> kestrel, TimeProvider clock, IDialectDoor? door = null)
{
    /// <summary>How long a new connection may take to send anything before it is handed to HTTP, which has its own timeouts.</summary>
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a head that came in parts may take to be whole. Peeked bytes stay readable, so the rest
    /// cannot be waited for, only looked for: at growing intervals, then the connection goes to HTTP.
    /// Clients send the head in one write; a slow one is HTTP's to time out.
    /// </summary>
    private static readonly TimeSpan RestOfHeadTimeout = TimeSpan.FromSeconds(2);

    private readonly int _maxFields = kestrel.Value.Limits.MaxRequestHeaderCount;

    /// <summary>What became of a new socket.</summary>
    public enum Outcome
    {
        /// <summary>Upgraded and running: its <see cref="BareSocketWire"/> tells the listener when it ends.</summary>
        Upgraded,
        /// <summary>Not taken here: the socket goes to Kestrel with its bytes unread.</summary>
        ForHttp,
        /// <summary>Closed: the client left, or the listener is stopping.</summary>
        Gone,
    }

    /// <summary>
    /// Upgrades the socket if its head is a handshake this path takes and admission lets it in, and starts
    /// the connection. Anything else is for Kestrel, with the socket untouched. A client that leaves during
    /// its handshake, or any socket once <paramref name="stopping"/> is cancelled, is closed (gone).
    /// </summary>
    public async Task<Outcome> UpgradeAsync(Socket socket, BareSocketListener listener, CancellationToken stopping)
    {
        // Peeks and the head's discard below only ever read bytes a wait showed are there; the connection's sends must not block either.
        socket.Blocking = false;
        var (verdict, head, headLength) = await PeekHandshakeAsync(socket, stopping);
        if (stopping.IsCancellationRequested || verdict == PeekVerdict.Closed)
            return Gone(socket);
        if (verdict == PeekVerdict.NotOurs || head!.PusherKey is not null && door is not { Open: true })
            return Outcome.ForHttp;
        var peer = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        var admitted = await admission.AdmitAsync(head.ToAdmission(peer), stopping);
        if (!admitted.Admitted)
            return Outcome.ForHttp; // Kestrel's endpoint comes to the same decision, answers it and counts the refusal.
        try
        {
            // The head was only peeked at: take it now. Frames the client sent right behind it stay in the socket for the connection.
            Discard(socket, headLength);
            var wire = new BareSocketWire(socket, listener, admitted.Address);
            await wire.WriteAsync(Handshake.SwitchingProtocolsResponse(head.Request.Key!, admitted.Protocol));
            // Not awaited: the wire's end releases the address, so nothing waits out the socket here.
            _ = head.PusherKey is { } key
                ? door!.ServeAsync(wire, SocketTransport.Bare, admitted, key, head.PusherProtocol)
                : host.ServeAsync(wire, SocketTransport.Bare, admitted, head.Since);
            return Outcome.Upgraded;
        }
        catch (Exception e)
        {
            admission.Release(admitted.Address);
            if (e is SocketException or IOException or ObjectDisposedException)
                return Gone(socket); // the client left during its own handshake
            throw;
        }
    }

    /// <summary>An upgraded socket ended: its address no longer counts against admission's limits.</summary>
    public void Release(string address) => admission.Release(address);

    private static Outcome Gone(Socket socket)
    {
        BareSocketWire.Close(socket);
        return Outcome.Gone;
    }

    private enum PeekVerdict
    {
        Ours,
        NotOurs,
        /// <summary>The client closed or reset the connection before a whole head: nothing for HTTP to answer.</summary>
        Closed,
    }

    /// <summary>
    /// Peeks at the socket's first bytes until they are a whole handshake this path takes, or clearly not
    /// one. Nothing is consumed. A client silent for <see cref="FirstBytesTimeout"/> or slower than
    /// <see cref="RestOfHeadTimeout"/> is not ours either: Kestrel times it out.
    /// </summary>
    private async Task<(PeekVerdict Verdict, HandshakeHead? Head, int HeadLength)> PeekHandshakeAsync(Socket socket, CancellationToken stopping)
    {
        try
        {
            using (var silence = new CancellationTokenSource(FirstBytesTimeout, clock))
            using (var firstBytes = CancellationTokenSource.CreateLinkedTokenSource(stopping, silence.Token))
            {
                // A zero-byte receive waits for data without taking any, or a buffer: a silent client holds none.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, firstBytes.Token);
            }
            long firstLook = clock.GetTimestamp();
            for (int pauseMs = 1; ; pauseMs = Math.Min(pauseMs * 2, 100))
            {
                var (verdict, head, headLength) = Peek(socket);
                if (verdict != HandshakeHead.Verdict.NeedMore)
                    return (verdict == HandshakeHead.Verdict.Ours ? PeekVerdict.Ours : PeekVerdict.NotOurs, head, headLength);
                if (clock.GetElapsedTime(firstLook) >= RestOfHeadTimeout)
                    return (PeekVerdict.NotOurs, null, 0);
                await Task.Delay(TimeSpan.FromMilliseconds(pauseMs), clock, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return (PeekVerdict.NotOurs, null, 0); // silent too long (Kestrel times it out), or stopping (the caller checks)
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException)
        {
            return (PeekVerdict.Closed, null, 0);
        }
    }

    /// <summary>
    /// One look at what has arrived, with a buffer held only for the look (a synchronous peek, so the
    /// socket's cached receive state keeps no reference to it either). Bytes a wait showed are there.
    /// </summary>
    private (HandshakeHead.Verdict Verdict, HandshakeHead? Head, int HeadLength) Peek(Socket socket)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HandshakeHead.MaxHeadBytes);
        try
        {
            int peeked = socket.Receive(buffer.AsSpan(0, HandshakeHead.MaxHeadBytes), SocketFlags.Peek, out var error);
            if (error == SocketError.WouldBlock)
                return (HandshakeHead.Verdict.NeedMore, null, 0);
            if (error != SocketError.Success)
                throw new SocketException((int)error);
            if (peeked == 0)
                throw new EndOfStreamException();
            var verdict = HandshakeHead.Parse(buffer.AsSpan(0, peeked), _maxFields, out var head, out int headLength);
            return (verdict, head, headLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads and drops <paramref name="count"/> bytes that a peek showed are there.</summary>
    private static void Discard(Socket socket, int count)
    {
        Span<byte> scratch = stackalloc byte[1024];
        while (count > 0)
        {
            int read = socket.Receive(scratch[..Math.Min(count, scratch.Length)], SocketFlags.None, out var error);
            if (error != SocketError.Success || read == 0)
                throw new IOException($"The client left during its handshake ({error}).");
            count -= read;
        }
    }
}
