using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Notifications.Metrics;

namespace Notifications.Connections;

/// <summary>
/// Kestrel asks DI for <see cref="IMemoryPoolFactory{T}"/> when it builds its transport; this one hands
/// it <see cref="TransportBlockPool"/>s, and publishes their free bytes and trims as metrics.
/// </summary>
internal sealed class TransportBlockPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly List<TransportBlockPool> _pools = [];
    private readonly TimeProvider _time;
    private readonly NotificationsMetrics _metrics;

    public TransportBlockPoolFactory(TimeProvider time, NotificationsMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        metrics.ObserveTransportPool(FreeBytes);
    }

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new TransportBlockPool(_time, _metrics.TransportBlocksTrimmed);
        lock (_pools)
            _pools.Add(pool);
        return pool;
    }

    private long FreeBytes()
    {
        lock (_pools)
            return _pools.Sum(pool => pool.FreeBytes);
    }
}
