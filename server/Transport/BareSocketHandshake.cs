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
        var receiver = new SocketReceiver();
        var (verdict, head, headLength) = await PeekHandshakeAsync(socket, receiver, stopping);
        if (stopping.IsCancellationRequested || verdict == PeekVerdict.Closed)
            return Gone(socket, receiver, connected: verdict != PeekVerdict.Closed);
        if (verdict == PeekVerdict.NotOurs || head!.PusherKey is not null && door is not { Open: true })
            return ForHttp(receiver);
        // A resume lines up with the broadcasts under the feed's lock, which a broadcast holds for its whole walk: not on the accept thread.
        if (AcceptThread.IsCurrent && !string.IsNullOrEmpty(head.Since))
            await Task.Yield();
        var peer = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        var admitted = await admission.AdmitAsync(head.ToAdmission(peer), stopping);
        if (!admitted.Admitted)
            return ForHttp(receiver); // Kestrel's endpoint comes to the same decision, answers it and counts the refusal.
        try
        {
            // The head was only peeked at: take it now. Frames the client sent right behind it stay in the socket for the connection.
            Discard(socket, headLength);
            // The 101 goes out with the connection's first frame (its welcome), in one send.
            var wire = new BareSocketWire(socket, receiver, listener, admitted.Address, Handshake.SwitchingProtocolsResponse(head.Request.Key!, admitted.Protocol));
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
                return Gone(socket, receiver, connected: false); // the client left during its own handshake
            throw;
        }
    }

    /// <summary>An upgraded socket ended: its address no longer counts against admission's limits.</summary>
    public void Release(string address) => admission.Release(address);

    private static Outcome Gone(Socket socket, SocketReceiver receiver, bool connected)
    {
        BareSocketWire.Close(socket, connected);
        receiver.Dispose();
        return Outcome.Gone;
    }

    /// <summary>Kestrel reads the socket from here; a wait the receiver abandoned is disposed when it completes.</summary>
    private static Outcome ForHttp(SocketReceiver receiver)
    {
        receiver.Dispose();
        return Outcome.ForHttp;
    }

    private enum PeekVerdict
    {
        /// <summary>Not a whole head yet: wait, then look again.</summary>
        NeedMore,
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
    private async Task<(PeekVerdict Verdict, HandshakeHead? Head, int HeadLength)> PeekHandshakeAsync(Socket socket, SocketReceiver receiver, CancellationToken stopping)
    {
        // The head is usually there by the time the thread pool runs a new socket: then no wait and no timer is set up.
        var early = Peek(socket);
        if (early.Verdict != PeekVerdict.NeedMore)
            return early;
        var waited = await WaitForFirstBytesAsync(socket, receiver, stopping);
        if (waited != SocketError.Success)
            return (waited == SocketError.TimedOut ? PeekVerdict.NotOurs : PeekVerdict.Closed, null, 0);
        long firstLook = clock.GetTimestamp();
        try
        {
            for (int pauseMs = 1; ; pauseMs = Math.Min(pauseMs * 2, 100))
            {
                var look = Peek(socket);
                if (look.Verdict != PeekVerdict.NeedMore)
                    return look;
                if (clock.GetElapsedTime(firstLook) >= RestOfHeadTimeout)
                    return (PeekVerdict.NotOurs, null, 0);
                await Task.Delay(TimeSpan.FromMilliseconds(pauseMs), clock, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return (PeekVerdict.NotOurs, null, 0); // stopping (the caller checks)
        }
    }

    /// <summary>
    /// Waits for the first bytes without taking any: <see cref="SocketError.TimedOut"/> if none came within
    /// <see cref="FirstBytesTimeout"/> or the listener is stopping (the receiver is then abandoned).
    /// </summary>
    private async ValueTask<SocketError> WaitForFirstBytesAsync(Socket socket, SocketReceiver receiver, CancellationToken stopping)
    {
        using var silence = new CancellationTokenSource(FirstBytesTimeout, clock);
        using var firstBytes = CancellationTokenSource.CreateLinkedTokenSource(stopping, silence.Token);
        using var abandon = firstBytes.Token.UnsafeRegister(static r => ((SocketReceiver)r!).Abandon(), receiver);
        return await receiver.WaitForDataAsync(socket);
    }

    /// <summary>
    /// One look at what has arrived, with a buffer held only for the look (a synchronous peek, so no
    /// receive state keeps a reference to it either). Nothing there yet is <see cref="PeekVerdict.NeedMore"/>.
    /// </summary>
    private (PeekVerdict Verdict, HandshakeHead? Head, int HeadLength) Peek(Socket socket)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HandshakeHead.MaxHeadBytes);
        try
        {
            int peeked = socket.Receive(buffer.AsSpan(0, HandshakeHead.MaxHeadBytes), SocketFlags.Peek, out var error);
            if (error == SocketError.WouldBlock)
                return (PeekVerdict.NeedMore, null, 0);
            if (error != SocketError.Success || peeked == 0)
                return (PeekVerdict.Closed, null, 0);
            var verdict = HandshakeHead.Parse(buffer.AsSpan(0, peeked), _maxFields, out var head, out int headLength);
            return (verdict switch
            {
                HandshakeHead.Verdict.NeedMore => PeekVerdict.NeedMore,
                HandshakeHead.Verdict.Ours => PeekVerdict.Ours,
                _ => PeekVerdict.NotOurs,
            }, head, headLength);
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
