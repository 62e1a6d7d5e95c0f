using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Notifications.Connections;

/// <summary>
/// Kestrel connection middleware that takes plain WebSocket handshakes for <c>/ws</c> before HTTP
/// sees them, and runs the socket on the bare transport. A socket held this way costs a fraction of
/// one held through ASP.NET, whose request, header and context objects live as long as the socket.
/// Everything else (other requests, refusals, unusual handshakes, HTTP/2) goes on to HTTP unchanged,
/// where <see cref="WebSocketEndpoint"/> answers it; the two paths share admission and
/// <see cref="WebSocketEndpoint.ServeAsync"/>.
/// </summary>
internal sealed class DirectUpgrade(WebSocketEndpoint endpoint, Admission admission, IHostApplicationLifetime lifetime)
{
    /// <summary>How long a new connection may take to send its request head before it is handed to HTTP, which has its own timeouts.</summary>
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>
    /// Takes the handshake, then waits out the socket. Split in two so that only this small frame stays
    /// pending for the socket's life, not the handshake's (each pending frame is memory an idle socket holds).
    /// </summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var (run, address) = await UpgradeAsync(connection, next);
        if (run is null)
            return;
        try
        {
            await run;
        }
        finally
        {
            admission.Release(address!);
        }
    }

    /// <summary>
    /// Upgrades a handshake this path takes and starts the connection: its run, and the admitted address
    /// to release when it ends. Anything else goes on to HTTP (then no run).
    /// </summary>
    private async Task<(Task? Run, string? Address)> UpgradeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var (request, headLength) = await ReadHandshakeAsync(connection.Transport.Input);
        if (request is null || lifetime.ApplicationStopping.IsCancellationRequested || !WebSocketEndpoint.IsValidSince(request.Since))
        {
            await next(connection);
            return default;
        }
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var admitted = admission.Admit(request.Origin, new HostString(request.Host), peer, request.FlyClientIp);
        if (!admitted.Admitted)
        {
            // HTTP refuses it with the status and reason, and counts the refusal.
            await next(connection);
            return default;
        }
        try
        {
            var wire = new KestrelWire(connection);
            // The 101 goes the way every later write goes, so none can overtake it.
            await wire.WriteAsync(SwitchingProtocols(request.Key));
            // The head is still unread (nothing was consumed while deciding): take it now. Frames the client
            // sent right behind it stay in the pipe for the connection.
            var input = connection.Transport.Input;
            var head = await input.ReadAsync();
            input.AdvanceTo(head.Buffer.GetPosition(headLength));
            return (endpoint.ServeAsync(wire, admitted.Address, request.Since), admitted.Address);
        }
        catch (Exception e)
        {
            admission.Release(admitted.Address);
            if (e is IOException or ObjectDisposedException or OperationCanceledException)
                return default; // the client left during its own handshake
            throw;
        }
    }

    /// <summary>
    /// Reads the connection's first bytes until they are a whole handshake this path takes, or clearly
    /// not one (null). Nothing is consumed either way: HTTP may still have to answer it. A peer that
    /// sends nothing for <see cref="HeadTimeout"/> is also left to HTTP.
    /// </summary>
    private static async Task<(UpgradeRequest? Request, int HeadLength)> ReadHandshakeAsync(PipeReader input)
    {
        UpgradeRequest? request = null;
        int headLength = 0;
        bool expired = false, sawCancel;
        using (var timer = new CancellationTokenSource(HeadTimeout))
        using (timer.Token.Register(() =>
        {
            expired = true;
            input.CancelPendingRead();
        }))
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                sawCancel = result.IsCanceled;
                var verdict = sawCancel || result.IsCompleted
                    ? UpgradeRequest.Verdict.NotOurs
                    : Parse(buffer, out request, out headLength);
                if (verdict == UpgradeRequest.Verdict.NeedMore)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                input.AdvanceTo(buffer.Start);
                if (verdict != UpgradeRequest.Verdict.Ours)
                    request = null;
                break;
            }
        }
        // Disposing the registration waited for a running callback: if the timer fired after the last
        // read completed, its cancellation is pending and would cut the next reader's first read short.
        if (expired && !sawCancel)
        {
            var pending = await input.ReadAsync();
            input.AdvanceTo(pending.Buffer.Start);
        }
        return (request, headLength);
    }

    private static UpgradeRequest.Verdict Parse(ReadOnlySequence<byte> buffer, out UpgradeRequest? request, out int headLength)
    {
        if (buffer.IsSingleSegment)
            return UpgradeRequest.Parse(buffer.FirstSpan, out request, out headLength);
        // Rare: the head straddles two of Kestrel's blocks.
        var bytes = buffer.Slice(0, Math.Min(buffer.Length, UpgradeRequest.MaxHeadBytes)).ToArray();
        return UpgradeRequest.Parse(bytes, out request, out headLength);
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
