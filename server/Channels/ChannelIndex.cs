using System.Collections.Concurrent;

namespace Notifications.Channels;

/// <summary>What a fan-out does with each member of a channel; true if the member took the frame. A struct, so the call is not virtual.</summary>
internal interface IChannelVisitor<in TMember>
{
    bool Visit(TMember member);
}

/// <summary>
/// Channel → members, for fan-out that costs O(k) in the k members of one channel, not O(N) in all sockets.
/// <c>global</c> is not kept here: every socket is in it, so the registry's broadcast serves it as before.
/// Joins, leaves and visits may run on any threads at once. A visit holds its channel while it runs, so
/// after <see cref="Leave"/> returns no visit of that channel reaches the member any more. An emptied
/// channel is removed, so the index holds only channels someone is in.
/// </summary>
internal sealed partial class ChannelIndex<TMember> where TMember : class
{
    private readonly ConcurrentDictionary<string, Members> _channels = new(StringComparer.Ordinal);

    public int ChannelCount => _channels.Count;

    /// <summary>Adds the member to the channel; false if it was in it already.</summary>
    public bool Join(string channel, TMember member)
    {
        while (true)
        {
            var members = _channels.GetOrAdd(channel, static _ => new Members());
            lock (members)
            {
                // Emptied and being removed by a leave: go round and find (or make) its successor.
                if (!members.Removed)
                    return members.Add(member);
            }
        }
    }

    /// <summary>Removes the member from the channel; false if it was not in it.</summary>
    public bool Leave(string channel, TMember member)
    {
        if (!_channels.TryGetValue(channel, out var members))
            return false;
        lock (members)
        {
            if (!members.Remove(member))
                return false;
            if (members.Count > 0)
                return true;
            members.Removed = true;
        }
        // Only this very set: a join that came after it made a new one, which must stay.
        _channels.TryRemove(new KeyValuePair<string, Members>(channel, members));
        return true;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for each member of the channel, under the channel's lock (joins and
    /// leaves of this channel wait; other channels are untouched). The visitor must not join or leave this
    /// channel. Returns how many members took it.
    /// </summary>
    public int Visit<TVisitor>(string channel, ref TVisitor visitor) where TVisitor : struct, IChannelVisitor<TMember>
    {
        if (!_channels.TryGetValue(channel, out var members))
            return 0;
        lock (members)
            return members.VisitAll(ref visitor);
    }

    public int CountOf(string channel)
    {
        if (!_channels.TryGetValue(channel, out var members))
            return 0;
        lock (members)
            return members.Count;
    }

    /// <summary>The channels whose names start with <paramref name="prefix"/>, with their member counts: a snapshot, for a census.</summary>
    public List<(string Channel, int Members)> StartingWith(string prefix)
    {
        var found = new List<(string, int)>();
        foreach (var (channel, members) in _channels)
        {
            if (!channel.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            lock (members)
            {
                if (members.Count > 0)
                    found.Add((channel, members.Count));
            }
        }
        return found;
    }

    public bool Contains(string channel, TMember member)
    {
        if (!_channels.TryGetValue(channel, out var members))
            return false;
        lock (members)
            return members.Contains(member);
    }
}
