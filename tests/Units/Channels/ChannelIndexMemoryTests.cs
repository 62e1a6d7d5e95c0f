using Notifications.Channels;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Units.Channels;

/// <summary>
/// Memory per socket in the channel index, measured, not timed: bytes allocated on this thread (an upper
/// bound: grown-out arrays count too) and bytes still held after a full collection. Alone in the stress
/// collection, so no other test's objects come and go in between. Both figures are printed.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class ChannelIndexMemoryTests
{
    private const int Sockets = 10_000;

    private sealed class Member;

    [Fact]
    public void Memory_per_socket_stays_small_with_one_and_with_ten_channels()
    {
        var members = Enumerable.Range(0, Sockets).Select(_ => new Member()).ToArray();
        var userChannels = Enumerable.Range(0, Sockets).Select(i => $"user:{i}").ToArray();
        var teamChannels = Enumerable.Range(0, 1000).Select(i => $"team:{i}").ToArray();

        var (oneAllocated, oneHeld) = Measure(index =>
        {
            for (int i = 0; i < Sockets; i++)
                index.Join(userChannels[i], members[i]);
        });
        // Ten each: its own user channel and nine of a thousand team channels (about 90 members each).
        var (tenAllocated, tenHeld) = Measure(index =>
        {
            for (int i = 0; i < Sockets; i++)
            {
                index.Join(userChannels[i], members[i]);
                for (int t = 0; t < 9; t++)
                    index.Join(teamChannels[(i % 1000 + t * 137) % 1000], members[i]);
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"channel index, bytes per socket: one user channel {oneHeld:0} held ({oneAllocated:0} allocated), " +
            $"ten channels {tenHeld:0} held ({tenAllocated:0} allocated)");
        Assert.True(oneAllocated < 200, $"one channel: {oneAllocated:0} bytes allocated per socket");
        Assert.True(oneHeld < 160, $"one channel: {oneHeld:0} bytes held per socket");
        Assert.True(tenHeld < 700, $"ten channels: {tenHeld:0} bytes held per socket");
    }

    private static (double Allocated, double Held) Measure(Action<ChannelIndex<Member>> fill)
    {
        long held = GC.GetTotalMemory(forceFullCollection: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var index = new ChannelIndex<Member>();
        fill(index);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        held = GC.GetTotalMemory(forceFullCollection: true) - held;
        GC.KeepAlive(index);
        return (allocated / (double)Sockets, held / (double)Sockets);
    }
}
