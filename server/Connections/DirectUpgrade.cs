using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Notifications.Connections;

/// <summary>
/// Takes plain WebSocket handshakes for <c>/ws</c> off a new socket before HTTP sees it, and runs the
/// socket on a <see cref="DirectWire"/>. A socket held this way costs a fraction of one held through
/// Kestrel and ASP.NET, whose transport pipes and loops, request, header and context objects live as
/// long as the socket. The head is only peeked at until it is taken, so everything else (other
/// requests, refusals, unusual handshakes, TLS, HTTP/2) goes on to HTTP with its bytes unread, where
/// <see cref="WebSocketEndpoint"/> answers it; the two paths share admission and
/// <see cref="WebSocketEndpoint.ServeAsync"/>.
/// </summary>
internal sealed class DirectUpgrade(WebSocketEndpoint endpoint, Admission admission, IHostApplicationLifetime lifetime, TimeProvider clock)
{
    /// <summary>How long a new connection may take to send anything before it is handed to HTTP, which has its own timeouts.</summary>
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a head that came in parts may take to be whole. Peeked bytes stay readable, so the rest
    /// cannot be waited for, only looked for: at growing intervals, then the connection goes to HTTP.
    /// Clients send the head in one write; a slow one is HTTP's to time out.
    /// </summary>
    private static readonly TimeSpan RestOfHeadTimeout = TimeSpan.FromSeconds(2);

    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>What became of a new socket.</summary>
    public enum Outcome
    {
        /// <summary>Upgraded and running: its <see cref="DirectWire"/> tells the listener when it ends.</summary>
        Upgraded,
        /// <summary>Not taken here: the socket goes to HTTP with its bytes unread.</summary>
        ForHttp,
        /// <summary>Closed: the client left, or the listener is stopping.</summary>
        Gone,
    }

    /// <summary>
    /// Upgrades the socket if its head is a handshake this path takes and admission lets it in, and starts
    /// the connection. Anything else is for HTTP, with the socket untouched. A client that leaves during
    /// its handshake, or any socket once <paramref name="stopping"/> is cancelled, is closed (gone).
    /// </summary>
    public async Task<Outcome> UpgradeAsync(Socket socket, DirectListener listener, CancellationToken stopping)
    {
        // Peeks and the head's discard below only ever read bytes a wait showed are there; the connection's sends must not block either.
        socket.Blocking = false;
        var (verdict, request, headLength) = await PeekHandshakeAsync(socket, stopping);
        if (stopping.IsCancellationRequested || verdict == PeekVerdict.Closed)
            return Gone(socket);
        if (verdict == PeekVerdict.NotOurs || lifetime.ApplicationStopping.IsCancellationRequested || !WebSocketEndpoint.IsValidSince(request!.Since))
            return Outcome.ForHttp;
        var peer = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        var admitted = admission.Admit(request.Origin, new HostString(request.Host), peer, request.FlyClientIp);
        if (!admitted.Admitted)
            return Outcome.ForHttp; // HTTP refuses it with the status and reason, and counts the refusal.
        try
        {
            // The head was only peeked at: take it now. Frames the client sent right behind it stay in the socket for the connection.
            Discard(socket, headLength);
            var wire = new DirectWire(socket, listener, admitted.Address);
            await wire.WriteAsync(SwitchingProtocols(request.Key));
            // Not awaited: the wire's end releases the address, so nothing waits out the socket here.
            _ = endpoint.ServeAsync(wire, admitted.Address, request.Since);
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
        DirectWire.Close(socket);
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
    /// <see cref="RestOfHeadTimeout"/> is not ours either: HTTP times it out.
    /// </summary>
    private async Task<(PeekVerdict Verdict, UpgradeRequest? Request, int HeadLength)> PeekHandshakeAsync(Socket socket, CancellationToken stopping)
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
                var (verdict, request, headLength) = Peek(socket);
                if (verdict != UpgradeRequest.Verdict.NeedMore)
                    return (verdict == UpgradeRequest.Verdict.Ours ? PeekVerdict.Ours : PeekVerdict.NotOurs, request, headLength);
                if (clock.GetElapsedTime(firstLook) >= RestOfHeadTimeout)
                    return (PeekVerdict.NotOurs, null, 0);
                await Task.Delay(TimeSpan.FromMilliseconds(pauseMs), clock, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return (PeekVerdict.NotOurs, null, 0); // silent too long (HTTP times it out), or stopping (the caller checks)
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
    private static (UpgradeRequest.Verdict Verdict, UpgradeRequest? Request, int HeadLength) Peek(Socket socket)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(UpgradeRequest.MaxHeadBytes);
        try
        {
            int peeked = socket.Receive(buffer.AsSpan(0, UpgradeRequest.MaxHeadBytes), SocketFlags.Peek, out var error);
            if (error == SocketError.WouldBlock)
                return (UpgradeRequest.Verdict.NeedMore, null, 0);
            if (error != SocketError.Success)
                throw new SocketException((int)error);
            if (peeked == 0)
                throw new EndOfStreamException();
            var verdict = UpgradeRequest.Parse(buffer.AsSpan(0, peeked), out var request, out int headLength);
            return (verdict, request, headLength);
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

    /// <summary>The 101 answer (RFC 6455 §4.2.2): the accept value is SHA-1 of the key and the protocol's GUID, in base64.</summary>
    private static byte[] SwitchingProtocols(string key)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        Encoding.ASCII.GetBytes(key, input);
        AcceptGuid.CopyTo(input[24..]);
        string accept = Convert.ToBase64String(SHA1.HashData(input));
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }
}
