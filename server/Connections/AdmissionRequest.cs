using System.Net;
using Notifications.Channels;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// What admission reads from a handshake, however it arrived: the protocol's part, and the fields this
/// server's rules look at. <see cref="Authorization"/> and <see cref="Protocols"/> may carry a token, so
/// <see cref="ToString"/> never prints them.
/// </summary>
/// <param name="Origin">The Origin header, if any.</param>
/// <param name="Since">The query's <c>since</c>, if any.</param>
/// <param name="TokenInQuery">The query has a <c>token</c>, which is refused: URLs end up in access logs.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="Protocols">The Sec-WebSocket-Protocol header as received (several joined with commas), if any.</param>
/// <param name="Peer">The TCP peer's address.</param>
/// <param name="FlyClientIp">Fly's Fly-Client-IP header, if any (trusted only when configured).</param>
/// <param name="OwnAuthorization">A door with authorization of its own (Pusher's signed channels): no connection token is read or required.</param>
internal readonly record struct AdmissionRequest(
    HandshakeRequest Handshake,
    string? Origin,
    string? Since,
    bool TokenInQuery,
    string? Authorization,
    string? Protocols,
    IPAddress? Peer,
    string? FlyClientIp,
    bool OwnAuthorization = false)
{
    public override string ToString() => $"{Handshake.Method} from {Peer} (origin {Origin}, since {Since})";
}

/// <summary>
/// What admission decided: let the socket in (holding a slot for its address), with who its token says it
/// is and the subprotocol to answer with; or refuse with a status, a sentence for the client and a label
/// for the refusal metric.
/// </summary>
internal readonly record struct AdmissionResult(
    int Status,
    string? Reason,
    string Address,
    string? Refusal = null,
    ConnectionIdentity? Identity = null,
    string? Protocol = null)
{
    public bool Admitted => Reason is null;
}
