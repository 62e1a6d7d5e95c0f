using System.Buffers;

namespace Notifications.Connections;

/// <summary>
/// Starts the send pumps a broadcast found idle: the connections are split into one part per core, and
/// each part is one thread-pool item that runs its pumps in turn. On the direct path a pump's write is a
/// non-blocking send first, so most pumps finish inside the item; one whose socket is full goes on by
/// itself when the socket drains. One item per socket instead would cost a queue operation and, at low
/// rates, a worker wake-up per delivery. The price: a pump that finds more queued after each write keeps
/// the rest of its part waiting that long (a write of what one broadcast adds takes microseconds, a
/// broadcast to every socket far longer, so in practice a pump rarely goes round twice).
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
    public static void Start(List<Connection> idle)
    {
        if (idle.Count == 0)
            return;
        int parts = Math.Clamp(idle.Count / MinPerItem, 1, Environment.ProcessorCount);
        for (int part = 0, start = 0; part < parts; part++)
        {
            int end = (part + 1) * idle.Count / parts;
            var connections = ArrayPool<Connection>.Shared.Rent(end - start);
            idle.CopyTo(start, connections, 0, end - start);
            ThreadPool.UnsafeQueueUserWorkItem(new PumpStarter(connections, end - start), preferLocal: false);
            start = end;
        }
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
