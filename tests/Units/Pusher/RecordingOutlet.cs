using Notifications.Pusher.Presence;

namespace Notifications.Tests.Units.Pusher;

/// <summary>A presence outlet that keeps what it was given: the bus messages, and the announcements as <c>+user on channel except socket</c>.</summary>
internal sealed class RecordingOutlet : IPresenceOutlet
{
    public List<object> Published { get; } = [];

    public List<(PresenceChange Change, string? Except)> Changes { get; } = [];

    public List<string> Announced => [.. Changes.Select(c =>
        $"{(c.Change.Added ? "+" : "-")}{c.Change.Member.UserId} on {c.Change.Channel}{(c.Except is null ? "" : " except " + c.Except)}")];

    public void Publish(PresenceDelta delta) => Published.Add(delta);

    public void Publish(PresenceStatePart part) => Published.Add(part);

    public void Publish(PresenceStateRequest request) => Published.Add(request);

    public void Announce(PresenceChange change, string? exceptSocketId) => Changes.Add((change, exceptSocketId));
}

internal static class RosterJoins
{
    /// <summary>Joins as a presence subscription does; returns the members its <c>subscription_succeeded</c> was made of.</summary>
    public static IReadOnlyCollection<PresenceMember> Join(this PresenceRoster roster, string channel, string socketId, PresenceMember member)
    {
        IReadOnlyCollection<PresenceMember> answered = [];
        // The last answer made is the one sent.
        roster.Join(channel, socketId, member, members =>
        {
            answered = members;
            return [];
        }, _ => { });
        return answered;
    }
}
