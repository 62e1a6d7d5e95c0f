using Notifications.Messages;

namespace Notifications.Channels;

/// <summary>What a join by frame came to.</summary>
internal enum JoinResult : byte
{
    Joined,
    AlreadyMember,
    TooMany,
}

/// <summary>
/// The channels one socket is in: <c>global</c> as a flag (every socket starts in it; the broadcast reads the
/// flag instead of a member set), its own user channel (joined when it signs in, outside the cap), and those
/// it joined by frames, at most <c>cap</c>. Changed only by the socket's receive loop; <see cref="InGlobal"/>
/// is also read by the broadcasting thread.
/// </summary>
internal sealed class SocketChannels
{
    private volatile bool _inGlobal = true;
    private string? _userChannel;
    // Few per socket, most sockets none: a list scanned in order beats a set in memory and in time.
    private List<string>? _joined;

    public bool InGlobal => _inGlobal;

    public string? UserChannel => _userChannel;

    /// <summary>Channels joined by frames, the ones the cap counts.</summary>
    public int Count => _joined?.Count ?? 0;

    /// <summary>Every channel this socket is in but <c>global</c>: its user channel first. What it leaves when it closes.</summary>
    public IEnumerable<string> Indexed =>
        _userChannel is null ? _joined ?? [] : _joined is null ? [_userChannel] : _joined.Prepend(_userChannel);

    public bool IsMember(string channel) =>
        channel == ChannelName.Global ? _inGlobal : channel == _userChannel || _joined?.Contains(channel) == true;

    /// <summary>Signs the socket in: its user channel is joined outside the cap. False if it already had one.</summary>
    public bool SetUserChannel(string channel)
    {
        if (_userChannel is not null)
            return false;
        _userChannel = channel;
        _joined?.Remove(channel);
        return true;
    }

    public JoinResult Join(string channel, int cap)
    {
        if (IsMember(channel))
            return JoinResult.AlreadyMember;
        if (channel == ChannelName.Global)
        {
            _inGlobal = true;
            return JoinResult.Joined;
        }
        if (Count >= cap)
            return JoinResult.TooMany;
        (_joined ??= new List<string>(4)).Add(channel);
        return JoinResult.Joined;
    }

    /// <summary>Leaves a channel; false if the socket was not in it. The user channel can be left too (a page that wants only its topics).</summary>
    public bool Leave(string channel)
    {
        if (channel == ChannelName.Global)
        {
            bool was = _inGlobal;
            _inGlobal = false;
            return was;
        }
        if (channel == _userChannel)
        {
            _userChannel = null;
            return true;
        }
        return _joined?.Remove(channel) == true;
    }
}
