using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Notifications.Connections;

/// <summary>
/// Kestrel's transport for TCP endpoints: a <see cref="DirectListener"/> per endpoint, with Kestrel's
/// socket settings (<see cref="SocketTransportOptions"/>). Registered after Kestrel's own transport, so
/// Kestrel asks it first; Unix sockets and inherited handles still go to Kestrel's.
/// </summary>
internal sealed class DirectTransport(
    IOptions<SocketTransportOptions> options, DirectUpgrade upgrade, ConnectionRegistry registry, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new DirectListener((IPEndPoint)endpoint, options.Value, upgrade, registry, loggers));
}
