using System.Buffers;

namespace Notifications.Connections;

/// <summary>
/// Starts the send pumps a broadcast found idle: the connections are split into one part per core, and
/// each part is one thread-pool item that runs its pumps in turn. On the direct path a pump's write is a
/// non-blocking send first, so most pumps finish inside the item; one whose socket is full goes on by
/// itself when the socket drains. One item per socket instead would cost a queue operation and, at low
/// rates, a worker wake-up per delivery. The price: a pump that finds more queued after each write keeps
/// the rest of its part waiting that long (a write of what one broadcast adds takes microseconds, a
/// broadcast to every socket far longer, so in practice a pump rarely goes round twice). A broadcaster may
/// keep the last part and run it itself once it holds no lock: one thread-pool hop fewer, and a receive
/// loop that sends to its share of the sockets takes its next messages in one batch instead of one by one.
/// </summary>
internal sealed class PumpStarter : IThreadPoolWorkItem
{
    private const int MinPerItem = 64;

    private readonly Connection[] _connections;
    private readonly int _count;

    private PumpStarter(Connection[] connections, int count)
    {
        _connections = connections;
        _count = count;
    }

    /// <summary>Claims nothing: every connection in <paramref name="idle"/> has already claimed its pump and must be started exactly once.</summary>
    public static void Start(List<Connection> idle) => Start(idle, keepLast: false);

    /// <summary>
    /// As <see cref="Start(List{Connection})"/>, but the last part is not queued: it is returned, for the caller to
    /// <see cref="Execute"/> on its own thread once it holds no lock. Null when there was nothing to start.
    /// </summary>
    public static PumpStarter? Start(List<Connection> idle, bool keepLast)
    {
        if (idle.Count == 0)
            return null;
        int parts = Math.Clamp(idle.Count / MinPerItem, 1, Environment.ProcessorCount);
        PumpStarter? kept = null;
        for (int part = 0, start = 0; part < parts; part++)
        {
            int end = (part + 1) * idle.Count / parts;
            var connections = ArrayPool<Connection>.Shared.Rent(end - start);
            idle.CopyTo(start, connections, 0, end - start);
            var starter = new PumpStarter(connections, end - start);
            if (keepLast && part == parts - 1)
                kept = starter;
            else
                ThreadPool.UnsafeQueueUserWorkItem(starter, preferLocal: false);
            start = end;
        }
        return kept;
    }

    public void Execute()
    {
        try
        {
            for (int i = 0; i < _count; i++)
                _connections[i].RunPump();
        }
        finally
        {
            ArrayPool<Connection>.Shared.Return(_connections, clearArray: true);
        }
    }
}
