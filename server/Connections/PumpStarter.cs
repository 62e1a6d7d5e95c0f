using System.Buffers;
using Notifications.Transport;

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
/// Where the kernel gives rings (<see cref="SendRings"/>), a part's first writes go to the kernel together,
/// one submission per ring's worth of sockets, and each pump goes on from what its write did.
/// </summary>
internal sealed class PumpStarter : IThreadPoolWorkItem
{
    private const int MinPerItem = 64;

    private readonly Connection[] _connections;
    private readonly int _count;
    private readonly SendRings _rings;

    private PumpStarter(Connection[] connections, int count, SendRings rings)
    {
        _connections = connections;
        _count = count;
        _rings = rings;
    }

    /// <summary>Claims nothing: every connection in <paramref name="idle"/> has already claimed its pump and must be started exactly once.</summary>
    public static void Start(List<Connection> idle, SendRings rings) => Start(idle, rings, keepLast: false);

    /// <summary>
    /// As <see cref="Start(List{Connection}, SendRings)"/>, but the last part is not queued: it is returned, for the caller to
    /// <see cref="Execute"/> on its own thread once it holds no lock. Null when there was nothing to start.
    /// </summary>
    public static PumpStarter? Start(List<Connection> idle, SendRings rings, bool keepLast)
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
            var starter = new PumpStarter(connections, end - start, rings);
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
            // One socket's send is one system call either way.
            if (_count > 1 && _rings.Rent() is { } ring)
                SendTogether(ring);
            else
                for (int i = 0; i < _count; i++)
                    _connections[i].RunPump();
        }
        finally
        {
            ArrayPool<Connection>.Shared.Return(_connections, clearArray: true);
        }
    }

    /// <summary>
    /// Each pump's first batch goes out in one ring submission per <see cref="SendRing.Capacity"/> sockets; then each pump
    /// goes on from what its send did (usually: everything sent, nothing more queued, so it stops). Whatever fails on the
    /// way, every pump of the part still runs exactly once: a claimed pump left unrun would take no frame again.
    /// </summary>
    private void SendTogether(SendRing ring)
    {
        int size = Math.Min(_count, ring.Capacity), next = 0, count = 0;
        RingSend[]? sends = null;
        PumpBatch[]? batches = null;
        Connection[]? pumps = null;
        int[]? results = null;
        try
        {
            sends = ArrayPool<RingSend>.Shared.Rent(size);
            batches = ArrayPool<PumpBatch>.Shared.Rent(size);
            pumps = ArrayPool<Connection>.Shared.Rent(size);
            results = ArrayPool<int>.Shared.Rent(size);
            while (next < _count)
            {
                results.AsSpan(0, size).Fill(SendRing.NotSent);
                for (int end = Math.Min(_count, next + size); next < end; next++)
                {
                    var connection = _connections[next];
                    switch (connection.TakeForRing(out var batch, out var descriptor))
                    {
                        case PumpTake.Ring:
                            sends[count] = new RingSend(descriptor!, batch.Buffer, batch.Length);
                            batches[count] = batch;
                            pumps[count++] = connection;
                            break;
                        case PumpTake.Pump:
                            connection.RunPump();
                            break;
                    }
                }
                ring.SendAll(sends.AsSpan(0, count), results.AsSpan(0, count));
                _rings.Counted(count);
                GoOn(pumps, batches, results, ref count);
            }
        }
        finally
        {
            // After a failure: the batches taken go on from what was sent of them (nothing, unless the ring said so), the rest as usual.
            if (count > 0)
                GoOn(pumps!, batches!, results!, ref count);
            for (; next < _count; next++)
                _connections[next].RunPump();
            _rings.Return(ring);
            if (sends is not null)
                ArrayPool<RingSend>.Shared.Return(sends, clearArray: true);
            if (batches is not null)
                ArrayPool<PumpBatch>.Shared.Return(batches, clearArray: true);
            if (pumps is not null)
                ArrayPool<Connection>.Shared.Return(pumps, clearArray: true);
            if (results is not null)
                ArrayPool<int>.Shared.Return(results);
        }
    }

    /// <summary>Runs the pumps whose first batches the ring tried; none throws, as a pump's failures stay in its task.</summary>
    private static void GoOn(Connection[] pumps, PumpBatch[] batches, int[] results, ref int count)
    {
        for (int i = 0; i < count; i++)
            pumps[i].RunPump(batches[i], results[i]);
        count = 0;
    }
}
