using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>What admission decided: let the socket in (holding a slot for its address), or refuse with a status and a reason.</summary>
internal readonly record struct AdmissionResult(int Status, string? Reason, string Address)
{
    public bool Admitted => Reason is null;
}

/// <summary>
/// The one decision on every handshake, whichever way its socket arrived: the protocol's check
/// (<see cref="Handshake.Check"/>), then this server's rules. The instance must not be stopping, the
/// resume point must be plausible, the Origin allowed (cross-site WebSocket hijacking), the instance
/// under MAX_CONNECTIONS and the client's address under MAX_CONNECTIONS_PER_IP. An admitted socket
/// holds a slot for its address until <see cref="Release"/>.
/// </summary>
internal sealed class Admission(IOptions<AdmissionOptions> options, IHostApplicationLifetime lifetime)
{
    /// <summary>A resume point is an alert id; anything longer than any id is refused before the upgrade.</summary>
    public const int MaxSinceLength = 128;

    private readonly AdmissionOptions _options = options.Value;
    private readonly OriginPolicy _origins = OriginPolicy.Parse(options.Value.AllowedOrigins);
    private readonly ConcurrentDictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private int _admitted;

    /// <param name="origin">The Origin header, if any.</param>
    /// <param name="since">The query's <c>since</c>, if any.</param>
    /// <param name="peer">The TCP peer's address.</param>
    /// <param name="flyClientIp">Fly's Fly-Client-IP header, if any (trusted only when configured).</param>
    public AdmissionResult Admit(in HandshakeRequest handshake, string? origin, string? since, IPAddress? peer, string? flyClientIp)
    {
        string address = ClientAddress(peer, flyClientIp);
        var verdict = Handshake.Check(handshake);
        if (!verdict.Accepted)
            return new(verdict.Status, verdict.Reason, address);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return new(StatusCodes.Status503ServiceUnavailable, "This instance is shutting down; connect again to reach another.", address);
        if (since is { Length: > MaxSinceLength })
            return new(StatusCodes.Status400BadRequest, $"since must be an alert id of at most {MaxSinceLength} characters.", address);
        if (!_origins.Allows(origin, new HostString(handshake.Host ?? "")))
            return new(StatusCodes.Status403Forbidden, $"Origin {origin} may not open sockets here (see ALLOWED_ORIGINS).", address);
        return TakeSlot(verdict.Status, address);
    }

    /// <summary>Gives back the slot an admitted socket held for its address.</summary>
    public void Release(string address)
    {
        Interlocked.Decrement(ref _admitted);
        // Remove the entry at zero, so the map holds only addresses with open sockets.
        if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
            _perAddress.TryRemove(new KeyValuePair<string, int>(address, 0));
    }

    private AdmissionResult TakeSlot(int acceptStatus, string address)
    {
        if (Interlocked.Increment(ref _admitted) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _admitted);
            return new(StatusCodes.Status503ServiceUnavailable, "This instance is at its connection limit; try again, you may reach another.", address);
        }
        if (_perAddress.AddOrUpdate(address, 1, (_, n) => n + 1) > _options.MaxConnectionsPerIp)
        {
            Release(address);
            return new(StatusCodes.Status429TooManyRequests, $"Too many sockets from {address} (limit {_options.MaxConnectionsPerIp}).", address);
        }
        return new(acceptStatus, null, address);
    }

    /// <summary>The client's address: Fly's Fly-Client-IP when trusted (behind Fly's proxy every peer is the proxy), else the peer.</summary>
    private string ClientAddress(IPAddress? peer, string? flyClientIp)
    {
        if (_options.TrustFlyClientIp && IPAddress.TryParse(flyClientIp, out var flyClient))
            return flyClient.ToString();
        return peer?.ToString() ?? "unknown";
    }
}
