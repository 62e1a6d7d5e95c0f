using Notifications.Channels;
using Notifications.Messages;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    // Null for an anonymous socket that never sent a channel frame, which is most: it is in global alone,
    // and holds nothing for channels. Made at sign-in (the handshake's token) or at the first channel frame,
    // then kept for the connection's life.
    private ChannelState? _channels;

    /// <summary>
    /// The socket's channels and identity. Changed under its own lock: by the receive loop, by a refresh whose
    /// token check had to wait (a JWKS read), by the expiry timer and by the close. The lock comes before the
    /// fan-out's gate and the index's, never after.
    /// </summary>
    private sealed class ChannelState(ConnectionIdentity? identity)
    {
        public SocketChannels Channels { get; } = new();
        public ConnectionIdentity? Identity { get; set; } = identity;
        public ITimer? Expiry { get; set; }
        public bool Closed { get; set; }
        // Refreshes in the order they were sent: one whose check finishes after a later one's is not applied.
        public long RefreshesSent { get; set; }
        public long RefreshApplied { get; set; }
    }

    /// <summary>Whether global alerts are for this socket: read by the broadcast for every socket, so one read for the common case.</summary>
    public bool InGlobal => Volatile.Read(ref _channels) is not { } state ? Dialect is null : state.Channels.InGlobal;

    /// <summary>The signed-in user's channel, joined at registration (<see cref="ConnectionRegistry.Attach"/>); null when anonymous.</summary>
    public string? UserChannel => _channels?.Channels.UserChannel;

    public ConnectionIdentity? Identity => _channels?.Identity;

    private ChannelState State()
    {
        if (Volatile.Read(ref _channels) is { } state)
            return state;
        Volatile.Write(ref _channels, state = new ChannelState(null));
        return state;
    }

    /// <summary>A socket whose handshake carried a token: in its user channel from the start, and closed when the token runs out.</summary>
    private void SignIn(ConnectionIdentity identity)
    {
        var state = new ChannelState(identity);
        state.Channels.SetUserChannel(identity.UserChannel);
        // Set before the timer, which may fire at once and looks for it.
        _channels = state;
        lock (state)
            ArmExpiry(state);
    }

    /// <summary>The feed makes a subscribed socket a member of <c>global</c> again (other channels join the registry's index).</summary>
    internal void ReturnToGlobal() => State().Channels.Join(ChannelName.Global, 0);

    private void Subscribe(string channel, string? since)
    {
        var state = State();
        lock (state)
        {
            if (state.Closed)
                return;
            var verdict = _services.Policy.CanJoin(state.Identity, channel);
            if (!verdict.Allowed)
            {
                SendError(verdict, channel);
                return;
            }
            // Global's membership is a flag the broadcast reads: the feed sets it once the replay is queued.
            var joined = channel == ChannelName.Global
                ? state.Channels.InGlobal ? JoinResult.AlreadyMember : JoinResult.Joined
                : state.Channels.Join(channel, _services.Policy.MaxPerSocket);
            if (joined == JoinResult.TooMany)
            {
                SendError(ChannelVerdict.Refuse(ErrorCodes.TooManyChannels,
                    $"This socket is in {_services.Policy.MaxPerSocket} channels already (CHANNELS_MAX_PER_SOCKET); unsubscribe from one first."), channel);
                return;
            }
            _services.Feed.Subscribe(this, channel, since, enter: joined == JoinResult.Joined);
        }
    }

    /// <summary>Leaving a channel the socket is not in is answered the same way: unsubscribe is idempotent.</summary>
    private void Unsubscribe(string channel)
    {
        if (ChannelName.Problem(channel) is { } problem)
        {
            SendError(ChannelVerdict.Refuse(ErrorCodes.InvalidChannel, problem), channel);
            return;
        }
        var state = State();
        lock (state)
        {
            if (state.Closed)
                return;
            if (state.Channels.Leave(channel) && channel != ChannelName.Global)
                _services.Registry.LeaveChannel(channel, this);
            TryEnqueue(Frames.Unsubscribed(channel, null, _services.Bus.Stamp(_clock.GetUtcNow())));
        }
    }

    /// <summary>Why this socket may not send an alert to <paramref name="channel"/>, or an allowed verdict: it must be in it, and the policy must let clients publish there.</summary>
    private ChannelVerdict MayPublish(string channel)
    {
        if (ChannelName.Problem(channel) is { } problem)
            return ChannelVerdict.Refuse(ErrorCodes.InvalidChannel, problem);
        if (Volatile.Read(ref _channels) is not { } state)
            return channel == ChannelName.Global ? _services.Policy.CanPublish(null, channel) : NotSubscribed(channel);
        lock (state)
            return state.Channels.IsMember(channel) ? _services.Policy.CanPublish(state.Identity, channel) : NotSubscribed(channel);
    }

    private static ChannelVerdict NotSubscribed(string channel) =>
        ChannelVerdict.Refuse(ErrorCodes.NotSubscribed, $"Subscribe to '{channel}' before sending alerts to it.");

    /// <summary>The connection is over: it leaves every channel it was in, and no join or refresh can follow.</summary>
    private void LeaveChannels(ConnectionRegistry registry)
    {
        if (Volatile.Read(ref _channels) is not { } state)
            return;
        lock (state)
        {
            state.Closed = true;
            foreach (var channel in state.Channels.Indexed)
                registry.LeaveChannel(channel, this);
            state.Expiry?.Dispose();
        }
    }
}
