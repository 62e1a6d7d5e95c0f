using Notifications.Pusher.Events;

namespace Notifications.Pusher.Session;

/// <summary>
/// The channels of one connection (phase 2: the channel registry and the bus). Names are our channel
/// names (<c>pusher:{app}:{channel}</c>, see <see cref="Channels.PusherChannelMap"/>). Called under the
/// session's lock: never wait.
/// </summary>
internal interface IPusherRooms
{
    /// <summary>From now on this connection receives what is published to the channel.</summary>
    void Join(string channel);

    void Leave(string channel);

    /// <summary>Publishes a client event to every instance; its sender (<see cref="PusherEvent.ExceptSocketId"/>) does not get it back.</summary>
    void Publish(PusherEvent clientEvent);
}
