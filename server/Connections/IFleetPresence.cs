using Notifications.Messages;

namespace Notifications.Connections;

/// <summary>The fleet's client and instance counts, for a new connection's welcome (the fleet directory, in Fleet).</summary>
internal interface IFleetPresence
{
    /// <summary>Clients and instances alive now, this instance counting with <paramref name="localConnections"/>.</summary>
    PresenceMessage Presence(int localConnections);
}
