using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Identity;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// The one decision on every handshake, whichever way its socket arrived: the protocol's check
/// (<see cref="Handshake.Check"/>), then this server's rules. The instance must not be stopping, the
/// resume point must be plausible, a token must travel in a header (never the URL), the Origin must be
/// allowed (cross-site WebSocket hijacking), the token valid (or absent, unless AUTH_REQUIRED), the
/// instance under MAX_CONNECTIONS and the client's address under MAX_CONNECTIONS_PER_IP. An admitted
/// socket holds a slot for its address until <see cref="Release"/>. Without a token the decision is
/// made without waiting; checking a token may wait for a JWKS read.
/// </summary>
internal sealed class Admission(IOptions<AdmissionOptions> options, IOptions<AuthOptions> auth, TokenValidator tokens, IHostApplicationLifetime lifetime)
{
    private readonly AdmissionOptions _options = options.Value;
    private readonly bool _tokenRequired = auth.Value.Required;
    private readonly OriginPolicy _origins = OriginPolicy.Parse(options.Value.AllowedOrigins);
    private readonly ConcurrentDictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private int _admitted;

    public ValueTask<AdmissionResult> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        string address = ClientAddress(request.Peer, request.FlyClientIp);
        if (Refuse(request, address, out var carried) is { } refused)
            return ValueTask.FromResult(refused);
        if (carried.Token is null)
        {
            return ValueTask.FromResult(_tokenRequired && !request.OwnAuthorization
                ? Refused(StatusCodes.Status401Unauthorized, "This server needs a connection token: offer \"bearer.<token>\" beside \"notifications.v1\" in Sec-WebSocket-Protocol, or send Authorization: Bearer <token>.", address, "token_missing")
                : TakeSlot(request, address, null, carried.SelectedProtocol));
        }
        var check = tokens.ValidateAsync(carried.Token, cancellationToken);
        return check.IsCompletedSuccessfully
            ? ValueTask.FromResult(Signed(check.Result, request, address, carried.SelectedProtocol))
            : SignedAsync(check, request, address, carried.SelectedProtocol);
    }

    /// <summary>Gives back the slot an admitted socket held for its address.</summary>
    public void Release(string address)
    {
        Interlocked.Decrement(ref _admitted);
        string group = AddressGroup(address);
        // Remove the entry at zero, so the map holds only addresses with open sockets.
        if (_perAddress.AddOrUpdate(group, 0, (_, n) => n - 1) <= 0)
            _perAddress.TryRemove(new KeyValuePair<string, int>(group, 0));
    }

    /// <summary>
    /// What MAX_CONNECTIONS_PER_IP counts: an IPv4 address, or an IPv6 address's /64, since a subscriber is given a whole
    /// /64 and could otherwise open sockets from as many addresses as it liked.
    /// </summary>
    internal static string AddressGroup(string address)
    {
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            return address;
        if (ip.IsIPv4MappedToIPv6)
            return ip.MapToIPv4().ToString();
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Every rule that needs no token check, in order; null when none refuses.</summary>
    private AdmissionResult? Refuse(in AdmissionRequest request, string address, out CarriedToken carried)
    {
        carried = default;
        var verdict = Handshake.Check(request.Handshake);
        if (!verdict.Accepted)
            return Refused(verdict.Status, verdict.Reason!, address, "handshake");
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return Refused(StatusCodes.Status503ServiceUnavailable, "This instance is shutting down; connect again to reach another.", address, "stopping");
        if (request.Since is { Length: > AlertIds.MaxSinceLength })
            return Refused(StatusCodes.Status400BadRequest,
                $"since must be an alert id (optionally followed by a comma and a time id) of at most {AlertIds.MaxSinceLength} characters.", address, "since");
        if (request.OwnAuthorization)
            return _origins.Allows(request.Origin, new HostString(request.Handshake.Host ?? "")) ? null : OriginRefused(request, address);
        if (request.TokenInQuery)
            return Refused(StatusCodes.Status400BadRequest, TokenCarrier.QueryRefusal, address, "token_in_url");
        carried = TokenCarrier.Read(request.Authorization, Handshake.Subprotocols(request.Protocols));
        if (carried.Problem is { } problem)
            return Refused(StatusCodes.Status400BadRequest, problem, address, "token_placement");
        if (!_origins.Allows(request.Origin, new HostString(request.Handshake.Host ?? "")))
            return OriginRefused(request, address);
        return null;
    }

    private static AdmissionResult OriginRefused(in AdmissionRequest request, string address) =>
        Refused(StatusCodes.Status403Forbidden, $"Origin {request.Origin} may not open sockets here (see ALLOWED_ORIGINS).", address, "origin");

    private async ValueTask<AdmissionResult> SignedAsync(ValueTask<TokenCheck> check, AdmissionRequest request, string address, string? protocol) =>
        Signed(await check, request, address, protocol);

    /// <summary>A refused token is answered with 401 and why, in our words: never the token, never the library's message.</summary>
    private AdmissionResult Signed(TokenCheck check, in AdmissionRequest request, string address, string? protocol) =>
        check.Refusal is { } refusal
            ? Refused(StatusCodes.Status401Unauthorized, refusal.Reason, address, "token_" + refusal.Label)
            : TakeSlot(request, address, check.Identity, protocol);

    private AdmissionResult TakeSlot(in AdmissionRequest request, string address, Channels.ConnectionIdentity? identity, string? protocol)
    {
        if (Interlocked.Increment(ref _admitted) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _admitted);
            return Refused(StatusCodes.Status503ServiceUnavailable, "This instance is at its connection limit; try again, you may reach another.", address, "capacity");
        }
        string group = AddressGroup(address);
        if (_perAddress.AddOrUpdate(group, 1, (_, n) => n + 1) > _options.MaxConnectionsPerIp)
        {
            Release(address);
            return Refused(StatusCodes.Status429TooManyRequests, $"Too many sockets from {group} (limit {_options.MaxConnectionsPerIp}).", address, "per_address");
        }
        return new AdmissionResult(Handshake.AcceptStatus(request.Handshake), null, address, null, identity, protocol);
    }

    private static AdmissionResult Refused(int status, string reason, string address, string label) => new(status, reason, address, label);

    /// <summary>The client's address: Fly's Fly-Client-IP when trusted (behind Fly's proxy every peer is the proxy), else the peer.</summary>
    private string ClientAddress(IPAddress? peer, string? flyClientIp)
    {
        if (_options.TrustFlyClientIp && IPAddress.TryParse(flyClientIp, out var flyClient))
            return flyClient.ToString();
        return peer?.ToString() ?? "unknown";
    }
}
