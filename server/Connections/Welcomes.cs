using Microsoft.Extensions.Options;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>The first frame every connection gets: who it reached, the limits, the counts, and how its resume went.</summary>
internal sealed class Welcomes(IFleetPresence fleet, IOptions<InstanceOptions> instance, IOptions<ConnectionOptions> options,
    IOptions<DeliveryOptions> delivery, TimeProvider clock)
{
    private readonly InstanceOptions _instance = instance.Value;
    private readonly int _maxTextLength = options.Value.MaxTextLength;
    private readonly int _windowSeconds = delivery.Value.WindowSeconds;

    /// <param name="connections">This instance's sockets, the new one included.</param>
    /// <param name="identity">Who the socket's token says it is; null for an anonymous socket, whose welcome is today's.</param>
    public SocketFrame For(ResumeReport? resume, int connections, ConnectionIdentity? identity = null)
    {
        var presence = fleet.Presence(connections);
        return Frames.Welcome(new WelcomeMessage(_instance.InstanceId, _instance.Region, clock.GetUtcNow(),
            _maxTextLength, _windowSeconds, connections, presence.Clients, presence.Instances, resume, identity?.UserId, identity?.ExpiresAt));
    }
}
