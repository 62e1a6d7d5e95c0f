namespace Notifications.Pusher.Presence;

/// <summary>
/// Where <see cref="PresenceRoster"/>'s output goes (phase 2: the bus and this instance's subscribers).
/// Called under the roster's lock, in order: every method must only enqueue, never wait.
/// </summary>
internal interface IPresenceOutlet
{
    /// <summary>Publishes a delta, a state part or a state request to every instance.</summary>
    void Publish(PresenceDelta delta);

    void Publish(PresenceStatePart part);

    void Publish(PresenceStateRequest request);

    /// <summary>Tells this instance's subscribers of <see cref="PresenceChange.Channel"/> (but <paramref name="exceptSocketId"/>) that a member came or went.</summary>
    void Announce(PresenceChange change, string? exceptSocketId);
}
