using System.Collections.Concurrent;

namespace Notifications.Bench.Reference;

/// <summary>The open sockets; a broadcast hands the same bytes to each one's queue.</summary>
internal sealed class Peers
{
    private readonly ConcurrentDictionary<Peer, byte> _all = new();

    public int Count => _all.Count;

    public void Add(Peer peer) => _all.TryAdd(peer, 0);

    public void Remove(Peer peer) => _all.TryRemove(peer, out _);

    public void Broadcast(ReadOnlyMemory<byte> message)
    {
        foreach (var peer in _all.Keys)
            peer.Enqueue(message);
    }
}
