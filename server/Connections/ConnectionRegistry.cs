using Notifications.Channels;
using Notifications.Messages;
using Notifications.Transport;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// Every live socket on this instance, for fan-out and for draining on shutdown, and the channels they
/// are in (<c>global</c> aside): a broadcast visits every socket, an alert for a channel only its members.
/// </summary>
internal sealed class ConnectionRegistry(Welcomes welcomes, ChannelIndex<Connection> channels, SendRings rings)
{
    private readonly ConnectionSet<Connection> _connections = new();
    // The pumps a broadcast claimed, to start together; one broadcast at a time uses it.
    private readonly Lock _broadcasting = new();
    private readonly List<Connection> _idle = [];
    private long _lastId;
    // Kept beside the set because its count would take every shard's lock, and each welcome reads it.
    private int _count;
    // Set by ShutDownAll: a connection added after it is told to go at once, so none slips past the drain.
    private int _drainSpreadMs = -1;

    public int Count => Volatile.Read(ref _count);

    public long NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>The first frame a new connection gets, saying how its resume went; built before it is attached.</summary>
    public SocketFrame Welcome(ResumeReport? resume, Connection connection) => welcomes.For(resume, Count + 1, connection.Identity);

    /// <summary>
    /// Registers a new connection with the frames it starts with: its <paramref name="welcome"/>, then
    /// <paramref name="replay"/>. Broadcasts reach it from then on. Its feed calls this, so no alert falls
    /// between the replay and the first broadcast (<see cref="IAlertFeed.Join"/>).
    /// </summary>
    public void Attach(Connection connection, SocketFrame welcome, IReadOnlyList<SocketFrame> replay)
    {
        connection.Open(welcome, replay);
        Add(connection);
        // A signed-in socket is in its user's channel from the start, on every instance.
        if (connection.UserChannel is { } user)
            channels.Join(user, connection);
    }

    /// <summary>Registers a connection that speaks a dialect: it has queued its own first frame, and gets no welcome of ours.</summary>
    public void AttachSpeaking(Connection connection) => Add(connection);

    /// <summary>From now on alerts for <paramref name="channel"/> reach <paramref name="connection"/>; false if they did already.</summary>
    public bool JoinChannel(string channel, Connection connection) => channels.Join(channel, connection);

    /// <summary>Once this returns, no alert for <paramref name="channel"/> reaches <paramref name="connection"/> any more; false if none did.</summary>
    public bool LeaveChannel(string channel, Connection connection) => channels.Leave(channel, connection);

    /// <summary>The sockets in <paramref name="channel"/> here: what an alert for it would reach.</summary>
    public int CountIn(string channel) => channels.CountOf(channel);

    private void Add(Connection connection)
    {
        if (_connections.Add(connection))
            Interlocked.Increment(ref _count);
        // ShutDownAll sets the spread before it walks the connections: this one is either walked there or seen here (or both,
        // which is harmless). The fence keeps the read of the flag after the add, as the exchange there keeps the write before the walk.
        Interlocked.MemoryBarrier();
        int spreadMs = Volatile.Read(ref _drainSpreadMs);
        if (spreadMs >= 0)
            connection.BeginShutdown(Random.Shared.Next(spreadMs));
    }

    public void Remove(Connection connection)
    {
        if (_connections.Remove(connection))
            Interlocked.Decrement(ref _count);
    }

    /// <summary>
    /// Queues one frame, already serialised, on every connection; never waits on any of them. Returns how
    /// many took it. The pumps it finds idle start together (<see cref="PumpStarter"/>), the last part of them
    /// on the caller's thread once it has let go of the list. Alerts and presence updates broadcast from
    /// different threads, so broadcasts take turns over the idle list: a pump claimed here is started
    /// exactly once, even if starting one fails.
    /// </summary>
    /// <param name="globalOnly">Only to sockets in <c>global</c> (an alert); else to every socket that speaks our protocol (presence).</param>
    public int Broadcast(SocketFrame frame, bool globalOnly = false)
    {
        PumpStarter? mine = null;
        try
        {
            return Broadcast(frame, globalOnly, out mine);
        }
        finally
        {
            mine?.Execute();
        }
    }

    /// <summary>
    /// As <see cref="Broadcast(SocketFrame, bool)"/>, for a frame that may hold several (<see cref="SocketFrame.JoinText"/>, <see cref="SocketFrame.Pick"/>): each
    /// connection takes all of them, in order, or none. One part of the idle pumps is left to the caller
    /// (<paramref name="mine"/>), to run on its own thread once it holds no lock.
    /// </summary>
    public int Broadcast(SocketFrame frame, bool globalOnly, out PumpStarter? mine)
    {
        int delivered = 0;
        mine = null;
        lock (_broadcasting)
        {
            try
            {
                var visitor = new EnqueueOnAll(frame, globalOnly, _idle);
                delivered = _connections.Visit(ref visitor);
            }
            finally
            {
                try
                {
                    mine = PumpStarter.Start(_idle, rings, keepLast: true);
                }
                finally
                {
                    _idle.Clear();
                }
            }
        }
        return delivered;
    }

    /// <summary>
    /// Queues one frame, already serialised, on every member of <paramref name="channel"/> here, as
    /// <see cref="Broadcast(SocketFrame, bool)"/> does for every socket: O(members), whatever the number of sockets. Returns how many took it.
    /// </summary>
    public int SendToChannel(string channel, SocketFrame frame) => SendToChannel(channel, frame, null, null);

    /// <summary>
    /// As <see cref="SendToChannel(string, SocketFrame)"/> for a channel both doors share: <paramref name="ours"/>
    /// to members that speak our protocol, <paramref name="dialect"/> to those that speak a dialect (Pusher's),
    /// but not the one whose dialect id is <paramref name="exceptSocketId"/>. A null frame skips those members.
    /// </summary>
    public int SendToChannel(string channel, SocketFrame? ours, SocketFrame? dialect, string? exceptSocketId)
    {
        lock (_broadcasting)
        {
            try
            {
                var visitor = new EnqueueOnEach(ours, dialect, exceptSocketId, _idle);
                return channels.Visit(channel, ref visitor);
            }
            finally
            {
                try
                {
                    PumpStarter.Start(_idle, rings);
                }
                finally
                {
                    _idle.Clear();
                }
            }
        }
    }

    /// <summary>Queues the frame on each connection a broadcast is for, collecting the idle pumps to start together.</summary>
    private readonly struct EnqueueOnAll(SocketFrame frame, bool globalOnly, List<Connection> idle) : IChannelVisitor<Connection>
    {
        public bool Visit(Connection connection) =>
            (globalOnly ? connection.InGlobal : connection.Dialect is null) && connection.TryEnqueue(frame, idle);
    }

    /// <summary>Queues the member's frame on each member, collecting the idle pumps to start together.</summary>
    private readonly struct EnqueueOnEach(SocketFrame? ours, SocketFrame? dialect, string? exceptSocketId, List<Connection> idle) : IChannelVisitor<Connection>
    {
        public bool Visit(Connection member)
        {
            var frame = member.Dialect is not { } speaks ? ours
                : exceptSocketId is not null && speaks.SocketId == exceptSocketId ? null
                : dialect;
            return frame is { } chosen && member.TryEnqueue(chosen, idle);
        }
    }

    /// <summary>This instance's channels whose names start with <paramref name="prefix"/>, with their member counts (<c>global</c> aside).</summary>
    public List<(string Channel, int Members)> ChannelsStartingWith(string prefix) => channels.StartingWith(prefix);

    /// <summary>One step of a keep-alive round: each connection in <paramref name="slice"/> of <paramref name="slices"/> is pinged, or dropped if it left the last ping unanswered.</summary>
    public void CheckAlive(int slice, int slices)
    {
        // Copied out first: a check may end a connection, which leaves the set.
        foreach (var connection in _connections.Where(c => c.Id % slices == slice))
            connection.CheckAlive();
    }

    /// <summary>Shutdown: every connection gets a reconnect hint spread over <paramref name="spread"/>, then a 1012 close.</summary>
    public void ShutDownAll(TimeSpan spread)
    {
        int spreadMs = (int)spread.TotalMilliseconds;
        Interlocked.Exchange(ref _drainSpreadMs, spreadMs);
        foreach (var connection in _connections.Snapshot())
            connection.BeginShutdown(Random.Shared.Next(spreadMs));
    }

    /// <summary>The shutdown deadline passed: every connection still open is ended now, without a close frame.</summary>
    public void AbortAll()
    {
        foreach (var connection in _connections.Snapshot())
            connection.Abort();
    }
}
