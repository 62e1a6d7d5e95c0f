using System.Net.Sockets;
using Notifications.Tests.Infrastructure;
using Notifications.Transport;

namespace Notifications.Tests.Units;

/// <summary>Sends to many sockets in one io_uring submission, over real loopback socket pairs, as a broadcast's part makes them.</summary>
public sealed class SendRingTests : IAsyncLifetime
{
    private readonly List<(Socket Client, Socket Server)> _pairs = [];
    private SendRing _ring = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        // Eight entries, so a test's twenty sockets take three submissions.
        var ring = SendRing.TryCreate(8, out string? unavailable);
        if (ring is null)
            Assert.Skip($"io_uring is not given here, so the server sends one by one: {unavailable}");
        _ring = ring;
        Assert.Equal(8, _ring.Capacity);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _ring?.Dispose();
        foreach (var (client, server) in _pairs)
        {
            client.Dispose();
            server.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private async Task<(Socket Client, Socket Server)[]> PairsAsync(int count)
    {
        var pairs = new (Socket, Socket)[count];
        for (int i = 0; i < count; i++)
            _pairs.Add(pairs[i] = await LoopbackPair.ConnectAsync(Ct));
        return pairs;
    }

    private static async Task<byte[]> ReceiveAsync(Socket client, int length)
    {
        var received = new byte[length];
        int have = 0;
        while (have < length)
            have += await client.ReceiveAsync(received.AsMemory(have), SocketFlags.None, Ct);
        return received;
    }

    [Fact(Timeout = 10_000)]
    public async Task Each_socket_gets_its_own_bytes_across_several_submissions_shared_buffer_or_not()
    {
        var pairs = await PairsAsync(20);
        byte[] shared = Enumerable.Range(0, 700).Select(i => (byte)(i * 7)).ToArray();
        // Every third socket gets a buffer of its own, so staging is not only of one array.
        var buffers = Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? Enumerable.Repeat((byte)i, 100 + i).ToArray() : shared).ToArray();
        var sends = pairs.Select((p, i) => new RingSend(p.Server.SafeHandle, buffers[i], buffers[i].Length - i % 2)).ToArray();
        var results = new int[sends.Length];

        _ring.SendAll(sends, results);

        Assert.Equal(sends.Select(s => s.Length), results);
        Assert.Equal(3, _ring.Submissions);
        for (int i = 0; i < pairs.Length; i++)
            Assert.Equal(buffers[i].AsSpan(0, sends[i].Length).ToArray(), await ReceiveAsync(pairs[i].Client, sends[i].Length));
        Assert.False(_ring.IsBroken);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_peer_that_reads_nothing_gets_part_then_EAGAIN_without_blocking_the_others()
    {
        var pairs = await PairsAsync(2);
        pairs[0].Server.SendBufferSize = 64 * 1024;
        // Smaller than the staging area, so a short send is the socket's doing, not the ring's.
        byte[] chunk = new byte[50_000];
        var results = new int[2];
        var seen = new List<int>();
        for (int round = 0; round < 100 && !seen.Contains(-11); round++)
        {
            _ring.SendAll([new RingSend(pairs[0].Server.SafeHandle, chunk, chunk.Length), new RingSend(pairs[1].Server.SafeHandle, chunk, 10)], results);
            seen.Add(results[0]);
            Assert.Equal(10, results[1]);
            await ReceiveAsync(pairs[1].Client, 10);
        }

        // Whole sends (and perhaps what still fitted), then nothing: as send() with MSG_DONTWAIT answers; the other socket got its bytes each time.
        Assert.Equal(-11, seen[^1]);
        Assert.All(seen[..^1], r => Assert.InRange(r, 1, chunk.Length));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_closed_socket_is_EBADF_and_a_reset_one_its_errno_while_the_rest_are_sent()
    {
        var pairs = await PairsAsync(3);
        pairs[0].Server.Dispose();
        pairs[1].Client.LingerState = new LingerOption(true, 0);
        pairs[1].Client.Dispose(); // an RST
        await Task.Delay(50, Ct);
        byte[] frame = [1, 2, 3];
        var results = new int[3];

        _ring.SendAll([.. pairs.Select(p => new RingSend(p.Server.SafeHandle, frame, frame.Length))], results);

        Assert.Equal(-9, results[0]);
        Assert.Contains(results[1], new[] { -104, -32 });
        Assert.Equal(3, results[2]);
        Assert.Equal(frame, await ReceiveAsync(pairs[2].Client, 3));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_ring_the_kernel_refuses_sends_nothing_says_so_of_every_send_and_is_broken()
    {
        var pairs = await PairsAsync(10);
        byte[] frame = [1, 2, 3];
        var results = new int[10];
        RingRefusal.Refuse(_ring);

        _ring.SendAll([.. pairs.Select(p => new RingSend(p.Server.SafeHandle, frame, frame.Length))], results);

        // Each pump then sends its batch with send(), so nothing is lost and nothing goes twice.
        Assert.All(results, r => Assert.Equal(SendRing.NotSent, r));
        Assert.True(_ring.IsBroken);
        Assert.Equal(1, _ring.Submissions);
        await Task.Delay(50, Ct);
        Assert.All(pairs, p => Assert.Equal(0, p.Client.Available));
        // Every handle counted for the submission was given back: a socket still sends, and one closed ends its peer's stream.
        pairs[0].Server.Send(frame);
        Assert.Equal(frame, await ReceiveAsync(pairs[0].Client, 3));
        pairs[1].Server.Dispose();
        Assert.Equal(0, await pairs[1].Client.ReceiveAsync(new byte[1], SocketFlags.None, Ct));
    }

    [Fact(Timeout = 10_000)]
    public async Task Batches_that_overflow_the_staging_area_go_in_later_submissions_and_a_longer_one_is_sent_in_part()
    {
        var pairs = await PairsAsync(4);
        foreach (var (client, _) in pairs)
            client.ReceiveBufferSize = 1 << 20;
        // Three distinct batches of 60 KB cannot all be staged at once; the fourth is longer than the whole area.
        var buffers = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 60_000).Select(b => (byte)(b + i)).ToArray()).ToList();
        buffers.Add(Enumerable.Range(0, SendRing.StagingBytes + 50_000).Select(b => (byte)(b * 3)).ToArray());
        var results = new int[4];

        _ring.SendAll([.. pairs.Select((p, i) => new RingSend(p.Server.SafeHandle, buffers[i], buffers[i].Length))], results);

        Assert.Equal(4, _ring.Submissions);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(60_000, results[i]);
            Assert.Equal(buffers[i], await ReceiveAsync(pairs[i].Client, 60_000));
        }
        Assert.InRange(results[3], 1, SendRing.StagingBytes);
        Assert.Equal(buffers[3].AsSpan(0, results[3]).ToArray(), await ReceiveAsync(pairs[3].Client, results[3]));
    }
}
