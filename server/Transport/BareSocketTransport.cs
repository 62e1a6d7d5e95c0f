using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Connections;

namespace Notifications.Transport;

/// <summary>
/// Kestrel's transport for TCP endpoints while <c>WS_BARE_SOCKETS</c> is on: a <see cref="BareSocketListener"/>
/// per endpoint, with Kestrel's socket settings (<see cref="SocketTransportOptions"/>). Registered after
/// Kestrel's own transport, so Kestrel asks it first; Unix sockets and inherited handles, and every
/// endpoint when the setting is off, still go to Kestrel's.
/// </summary>
internal sealed class BareSocketTransport(
    IOptions<SocketTransportOptions> options, IOptions<TransportOptions> transport, BareSocketHandshake upgrade, ConnectionRegistry registry, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => transport.Value.BareSockets && endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new BareSocketListener((IPEndPoint)endpoint, options.Value, upgrade, registry, loggers));
}
