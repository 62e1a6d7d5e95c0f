namespace Notifications.Pusher.Presence;

/// <summary>
/// This instance's presence members: per channel, per user, the local sockets subscribed as that user.
/// A user's first socket here and last socket gone make a numbered <see cref="PresenceDelta"/> for the bus;
/// other sockets of the same user change nothing fleet-wide. Not thread-safe: <see cref="PresenceRoster"/> locks.
/// </summary>
internal sealed class LocalPresence(string instance, long epoch)
{
    private sealed record Held(PresenceMember Member, HashSet<string> Sockets);

    private readonly Dictionary<string, Dictionary<string, Held>> _channels = new(StringComparer.Ordinal);

    public long Seq { get; private set; }

    /// <summary>Members held (channel, user pairs).</summary>
    public int Count { get; private set; }

    public ulong Digest { get; private set; }

    /// <summary>Adds the socket as <paramref name="member"/>; a delta when the user is new on this instance, else null (the first socket's user_info stays).</summary>
    public PresenceDelta? Join(string channel, string socketId, PresenceMember member)
    {
        if (!_channels.TryGetValue(channel, out var users))
            _channels[channel] = users = new(StringComparer.Ordinal);
        if (users.TryGetValue(member.UserId, out var held))
        {
            held.Sockets.Add(socketId);
            return null;
        }
        users[member.UserId] = new Held(member, [socketId]);
        Count++;
        Digest ^= PresenceDigest.Of(channel, member.UserId);
        return new PresenceDelta(instance, epoch, ++Seq, channel, member.UserId, member.UserInfo, Present: true);
    }

    /// <summary>Removes the socket; a delta when it was the user's last socket here, else null.</summary>
    public PresenceDelta? Leave(string channel, string socketId, string userId)
    {
        if (!_channels.TryGetValue(channel, out var users) || !users.TryGetValue(userId, out var held) || !held.Sockets.Remove(socketId) || held.Sockets.Count > 0)
            return null;
        users.Remove(userId);
        if (users.Count == 0)
            _channels.Remove(channel);
        Count--;
        Digest ^= PresenceDigest.Of(channel, userId);
        return new PresenceDelta(instance, epoch, ++Seq, channel, userId, null, Present: false);
    }

    /// <summary>Everything held, as of <see cref="Seq"/>, for a state dump.</summary>
    public List<PresenceEntry> Entries() =>
        [.. _channels.SelectMany(c => c.Value.Values.Select(h => new PresenceEntry(c.Key, h.Member.UserId, h.Member.UserInfo)))];
}
