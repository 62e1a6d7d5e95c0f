using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using Notifications.Connections;

namespace Notifications.Tests.Units;

public sealed class TransportBlockPoolTests
{
    private readonly FakeTimeProvider _clock = new();
    private long _trimmedBytes;

    private TransportBlockPool NewPool() => new(_clock, bytes => _trimmedBytes += bytes);

    [Fact]
    public void A_returned_block_is_rented_again()
    {
        using var pool = NewPool();
        var first = pool.Rent();
        var memory = first.Memory;
        first.Dispose();

        using var second = pool.Rent();

        Assert.True(memory.Span == second.Memory.Span, "the same block comes back");
        Assert.Equal(TransportBlockPool.BlockSize, second.Memory.Length);
    }

    [Fact]
    public void Blocks_left_from_a_burst_go_back_after_a_whole_period_unused()
    {
        using var pool = NewPool();
        ReturnAll(RentMany(pool, 1000));
        Assert.Equal(1000L * TransportBlockPool.BlockSize, pool.FreeBytes);

        _clock.Advance(TransportBlockPool.TrimPeriod); // the burst fell in this period: nothing was surplus all along
        Assert.Equal(1000L * TransportBlockPool.BlockSize, pool.FreeBytes);

        _clock.Advance(TransportBlockPool.TrimPeriod); // a whole period without use
        Assert.Equal((long)TransportBlockPool.KeptBlocks * TransportBlockPool.BlockSize, pool.FreeBytes);
        Assert.Equal((1000L - TransportBlockPool.KeptBlocks) * TransportBlockPool.BlockSize, _trimmedBytes);
    }

    [Fact]
    public void Blocks_in_steady_use_are_kept()
    {
        using var pool = NewPool();
        ReturnAll(RentMany(pool, 300));
        _clock.Advance(TransportBlockPool.TrimPeriod);

        for (int period = 0; period < 5; period++)
        {
            ReturnAll(RentMany(pool, 290)); // all but 10 are needed in each period
            _clock.Advance(TransportBlockPool.TrimPeriod);
        }

        Assert.Equal(300L * TransportBlockPool.BlockSize, pool.FreeBytes);
        Assert.Equal(0, _trimmedBytes);
    }

    [Fact]
    public void Asks_beyond_a_block_and_rents_after_disposal_are_refused()
    {
        var pool = NewPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(TransportBlockPool.BlockSize + 1));

        var rented = pool.Rent();
        pool.Dispose();
        rented.Dispose(); // a late return after shutdown is dropped, not an error

        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Equal(0, pool.FreeBytes);
    }

    private static List<IMemoryOwner<byte>> RentMany(MemoryPool<byte> pool, int count) =>
        Enumerable.Range(0, count).Select(_ => pool.Rent()).ToList();

    private static void ReturnAll(List<IMemoryOwner<byte>> blocks) => blocks.ForEach(block => block.Dispose());
}
