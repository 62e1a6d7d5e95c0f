using System.Collections.Concurrent;
using System.Threading.Channels;
using Notifications.Pusher.Api;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Events;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>
/// A stand-in for what phase 2 wires in (the channel registry and the bus), just enough for the real
/// clients to exercise the phase-1 units: rooms of sockets by our channel name, and a queue per hub that
/// linked hubs (two "instances") post events and presence messages to, as the topic would.
/// </summary>
internal sealed class TestHub : IPresenceOutlet, IPusherChannelCensus, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubSocket>> _rooms = new(StringComparer.Ordinal);
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>();
    private readonly List<TestHub> _peers = [];
    private readonly Task _loop;

    public TestHub(string instance)
    {
        Roster = new PresenceRoster(instance, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), this, TimeProvider.System, TimeSpan.FromSeconds(1));
        _loop = Task.Run(ReceiveAsync);
    }

    public PresenceRoster Roster { get; }

    /// <summary>Joins two hubs as two instances on one topic.</summary>
    public static void Link(TestHub a, TestHub b)
    {
        a._peers.Add(b);
        b._peers.Add(a);
    }

    public void Join(string channel, HubSocket socket) => _rooms.GetOrAdd(channel, _ => new(StringComparer.Ordinal))[socket.SocketId] = socket;

    public void Leave(string channel, HubSocket socket)
    {
        if (_rooms.TryGetValue(channel, out var room))
            room.TryRemove(socket.SocketId, out _);
    }

    /// <summary>Delivers here and posts to every linked hub, as publishing to the topic would.</summary>
    public void Publish(PusherEvent pusherEvent)
    {
        Deliver(pusherEvent);
        Post(pusherEvent);
    }

    public void Publish(PresenceDelta delta) => Post(delta);

    public void Publish(PresenceStatePart part) => Post(part);

    public void Publish(PresenceStateRequest request) => Post(request);

    public void Announce(PresenceChange change, string? exceptSocketId)
    {
        if (!PusherChannelMap.TryFromInternal(change.Channel, out _, out var channel))
            return;
        var frame = change.Added ? PusherFrames.MemberAdded(channel.Name, change.Member) : PusherFrames.MemberRemoved(channel.Name, change.Member.UserId);
        SendToRoom(change.Channel, frame, exceptSocketId);
    }

    public IReadOnlyCollection<(string Channel, int Subscriptions)> Occupied(string appId, string prefix) =>
        [.. Fleet().SelectMany(h => h._rooms).Where(r => !r.Value.IsEmpty)
            .Select(r => PusherChannelMap.TryFromInternal(r.Key, out string app, out var c) && app == appId && c.Name.StartsWith(prefix, StringComparison.Ordinal) ? (c.Name, r.Value.Count) : ("", 0))
            .Where(r => r.Item1 != "")
            .GroupBy(r => r.Item1).Select(g => (g.Key, g.Sum(r => r.Item2)))];

    public int Subscriptions(string appId, string channel) =>
        Fleet().Sum(h => h._rooms.TryGetValue(PusherChannelMap.ToInternal(appId, channel), out var room) ? room.Count : 0);

    private IEnumerable<TestHub> Fleet() => _peers.Prepend(this);

    private void Post(object message)
    {
        foreach (var peer in _peers)
            peer._inbox.Writer.TryWrite(message);
    }

    private void Deliver(PusherEvent pusherEvent)
    {
        foreach (var channel in pusherEvent.Channels)
            SendToRoom(pusherEvent.InternalChannel(channel), pusherEvent.Frame(channel), pusherEvent.ExceptSocketId);
    }

    private void SendToRoom(string channel, byte[] frame, string? exceptSocketId)
    {
        if (!_rooms.TryGetValue(channel, out var room))
            return;
        foreach (var (socketId, socket) in room)
        {
            if (socketId != exceptSocketId)
                socket.Send(frame);
        }
    }

    private async Task ReceiveAsync()
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync())
        {
            switch (message)
            {
                case PusherEvent e: Deliver(e); break;
                case PresenceDelta d: Roster.Receive(d); break;
                case PresenceStatePart p: Roster.Receive(p); break;
                case PresenceStateRequest r: Roster.Receive(r); break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _loop;
    }
}
