using System.Buffers;
using System.Collections.Concurrent;

namespace Notifications.Connections;

/// <summary>
/// The 4 KiB blocks Kestrel's socket transport reads into and writes from. Blocks are reused,
/// and a block that sat free for a whole <see cref="TrimPeriod"/> goes back to the garbage collector:
/// each period the pool drops as many blocks as were never rented in it (the low-water mark of its free
/// count), keeping <see cref="KeptBlocks"/>. So a connect storm, when thousands of handshakes each hold
/// a block for a moment, leaves no lasting cost for the idle sockets that follow; Kestrel's own pool
/// hands back 1 % of its surplus every 10 s while any traffic flows. Blocks are ordinary arrays, not
/// pinned ones: the garbage collector cannot move a pinned array, so the blocks a storm left behind
/// would stay as holes in the pinned heap (20 MB of it after 10,000 handshakes in half a second). The
/// transport waits for data before it takes a block, so a socket pins one only for a read that is
/// already complete.
/// </summary>
internal sealed class TransportBlockPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;
    public const int KeptBlocks = 64;
    public static readonly TimeSpan TrimPeriod = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<Block> _free = new();
    private readonly Action<long> _trimmed;
    private readonly ITimer _trimTimer;
    private int _freeCount;
    private int _lowWater;
    private volatile bool _disposed;

    public TransportBlockPool(TimeProvider time, Action<long> trimmed)
    {
        _trimmed = trimmed;
        _trimTimer = time.CreateTimer(static pool => ((TransportBlockPool)pool!).Trim(), this, TrimPeriod, TrimPeriod);
    }

    public override int MaxBufferSize => BlockSize;

    /// <summary>Bytes in free blocks, kept for reuse.</summary>
    public long FreeBytes => (long)Volatile.Read(ref _freeCount) * BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_free.TryDequeue(out var block))
        {
            Volatile.Write(ref _lowWater, 0);
            return new Block(this);
        }
        int free = Interlocked.Decrement(ref _freeCount);
        // A racy minimum, good enough for a trimming heuristic: a lost update only trims a block less or more.
        if (free < Volatile.Read(ref _lowWater))
            Volatile.Write(ref _lowWater, free);
        return block;
    }

    private void Return(Block block)
    {
        if (_disposed)
            return;
        _free.Enqueue(block);
        Interlocked.Increment(ref _freeCount);
    }

    /// <summary>Drops the blocks that stayed free since the last trim, beyond the few kept.</summary>
    internal int Trim()
    {
        int surplus = Math.Min(Volatile.Read(ref _lowWater), Volatile.Read(ref _freeCount)) - KeptBlocks;
        int dropped = 0;
        while (dropped < surplus && _free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _freeCount);
            dropped++;
        }
        Volatile.Write(ref _lowWater, Volatile.Read(ref _freeCount));
        if (dropped > 0)
            _trimmed((long)dropped * BlockSize);
        return dropped;
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        _disposed = true;
        _trimTimer.Dispose();
        _free.Clear();
        Volatile.Write(ref _freeCount, 0);
    }

    /// <summary>One block. Disposing it returns it.</summary>
    private sealed class Block(TransportBlockPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = GC.AllocateUninitializedArray<byte>(BlockSize);

        public void Dispose() => pool.Return(this);
    }
}
