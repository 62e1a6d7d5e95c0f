using System.Collections.Concurrent;

namespace Notifications.Connections;

/// <summary>Every live socket on this instance, for fan-out and for draining on shutdown.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private long _lastId;

    public int Count => _connections.Count;

    public long NextId() => Interlocked.Increment(ref _lastId);

    public void Add(Connection connection) => _connections[connection.Id] = connection;

    public void Remove(Connection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>Queues one frame, already serialised, on every connection; never waits on any of them. Returns how many took it.</summary>
    public int Broadcast(byte[] frame)
    {
        int delivered = 0;
        foreach (var (_, connection) in _connections)
        {
            if (connection.TryEnqueue(frame))
                delivered++;
        }
        return delivered;
    }

    /// <summary>Asks every connection to close with the given reason; each finishes on its own loop.</summary>
    public void CloseAll(CloseReason reason)
    {
        foreach (var (_, connection) in _connections)
            connection.RequestClose(reason);
    }
}
