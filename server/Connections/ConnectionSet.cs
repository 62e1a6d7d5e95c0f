using Notifications.Channels;

namespace Notifications.Connections;

/// <summary>A connection as the set keeps it: its id picks its shard, and it carries its place in the shard.</summary>
internal interface ISetMember
{
    long Id { get; }

    /// <summary>Where the set keeps it; -1 when not in the set. Only the set, under its lock, uses it.</summary>
    int Slot { get; set; }
}

/// <summary>
/// The live connections, in dense arrays split into shards by id, each shard behind its own lock. A
/// broadcast walks exactly the sockets that are open: a hash table's buckets never shrink, so after a
/// reconnect storm every broadcast would walk the storm's empty buckets too. A connect or a close
/// waits at most for one shard's walk, never for a whole broadcast. Each connection knows its place
/// (<see cref="ISetMember.Slot"/>), so leaving is O(1): the last of its shard moves into the hole.
/// </summary>
internal sealed class ConnectionSet<T> where T : class, ISetMember
{
    private const int ShardCount = 16;
    private const int SmallestArray = 16;

    private readonly Shard[] _shards = Enumerable.Range(0, ShardCount).Select(_ => new Shard()).ToArray();

    /// <summary>False if the connection was in the set already.</summary>
    public bool Add(T connection)
    {
        var shard = ShardOf(connection);
        lock (shard)
            return shard.Add(connection);
    }

    /// <summary>False if the connection was not in the set.</summary>
    public bool Remove(T connection)
    {
        var shard = ShardOf(connection);
        lock (shard)
            return shard.Remove(connection);
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for each connection, one shard at a time under its lock, as a channel's
    /// visit does for its members (<see cref="ChannelIndex{TMember}.Visit"/>). The visitor must not add or remove
    /// connections. Returns how many it took.
    /// </summary>
    public int Visit<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IChannelVisitor<T>
    {
        int took = 0;
        foreach (var shard in _shards)
        {
            lock (shard)
                took += shard.VisitAll(ref visitor);
        }
        return took;
    }

    /// <summary>The connections <paramref name="include"/> picks, copied out, for work that may end a connection while it runs.</summary>
    public List<T> Where(Func<T, bool> include)
    {
        var found = new List<T>();
        foreach (var shard in _shards)
        {
            lock (shard)
                shard.CopyTo(found, include);
        }
        return found;
    }

    /// <summary>The room the shards hold, taken or not: it follows the number of connections down as well as up.</summary>
    public int Capacity
    {
        get
        {
            int capacity = 0;
            foreach (var shard in _shards)
            {
                lock (shard)
                    capacity += shard.Capacity;
            }
            return capacity;
        }
    }

    /// <summary>Every connection, copied out.</summary>
    public List<T> Snapshot() => Where(static _ => true);

    private Shard ShardOf(T connection) => _shards[(int)((ulong)connection.Id % ShardCount)];

    /// <summary>One shard's connections, packed at the front of its array. Locked with <c>lock (this)</c>; only the set sees it.</summary>
    private sealed class Shard
    {
        private T?[] _items = new T?[SmallestArray];
        private int _count;
        private bool _visiting;

        public int Capacity => _items.Length;

        public bool Add(T connection)
        {
            ThrowIfVisiting();
            if (connection.Slot >= 0)
                return false;
            if (_count == _items.Length)
                Array.Resize(ref _items, _items.Length * 2);
            connection.Slot = _count;
            _items[_count++] = connection;
            return true;
        }

        public bool Remove(T connection)
        {
            ThrowIfVisiting();
            int at = connection.Slot;
            if (at < 0 || at >= _count || !ReferenceEquals(_items[at], connection))
                return false;
            var last = _items[--_count]!;
            _items[at] = last;
            last.Slot = at;
            _items[_count] = null;
            connection.Slot = -1;
            // Give a storm's room back once three quarters of it stand empty.
            if (_items.Length > SmallestArray && _count < _items.Length / 4)
                Array.Resize(ref _items, _items.Length / 2);
            return true;
        }

        public int VisitAll<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IChannelVisitor<T>
        {
            _visiting = true;
            try
            {
                int took = 0;
                var items = _items;
                for (int i = 0; i < _count; i++)
                {
                    if (visitor.Visit(items[i]!))
                        took++;
                }
                return took;
            }
            finally
            {
                _visiting = false;
            }
        }

        public void CopyTo(List<T> found, Func<T, bool> include)
        {
            for (int i = 0; i < _count; i++)
            {
                if (include(_items[i]!))
                    found.Add(_items[i]!);
            }
        }

        /// <summary>A visitor that ended a connection on its own thread would change the shard under its own loop.</summary>
        private void ThrowIfVisiting()
        {
            if (_visiting)
                throw new InvalidOperationException("The live connections cannot change while a broadcast walks them.");
        }
    }
}
