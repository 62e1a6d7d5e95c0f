using System.Buffers;
using System.Text;
using Notifications.Bench.Channels;
using Notifications.Bench.Infra;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

internal static partial class ChannelFanout
{
    /// <summary>RSS and heap per socket on a standalone instance: n signed-in sockets (one channel, their own), then each in nine more.</summary>
    private static async Task MemoryAsync(BenchContext context, int n)
    {
        var ct = context.Stopping;
        var hold = TimeSpan.FromSeconds(context.Smoke ? 0.3 : 3);
        var settle = context.Smoke ? hold : TimeSpan.FromSeconds(13);
        await using var server = ServerProcess.Start(context, "channels-memory", new Dictionary<string, string> { ["AUTH_HS256_SECRET"] = BenchTokens.Secret });
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            var (rss0, heap0) = await IdleMemory.MeasureAsync(context, server, hold, hold);
            var connect = await pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: 256, ct, headersOf: i => BenchTokens.Header(User(i)));
            var (rss1, heap1) = await IdleMemory.MeasureAsync(context, server, settle, hold);
            foreach (var client in pool.Clients)
                client.SendRaw(Subscribes(client.Index, 9));
            var (rss10, heap10) = await IdleMemory.MeasureAsync(context, server, settle, hold);
            long errors = pool.Clients.Sum(c => c.Errors);
            string PerSocket(long rss, HeapAfterGc? heap) =>
                $"{(rss - rss0) / 1024.0 / n:0.00} KiB RSS{(heap is { } h && heap0 is { } h0 ? $", {(h.LiveBytes - h0.LiveBytes) / 1024.0 / n:0.00} KiB live objects" : "")}";
            context.Add(new Row(Name, $"memory N={n}", $"per socket with 1 channel: {PerSocket(rss1, heap1)}; with 10: {PerSocket(rss10, heap10)}; " +
                $"each channel beyond the first: {(rss10 - rss1) / 1024.0 / n / 9:0.000} KiB RSS")
            {
                Failed = connect.Failed > 0 || errors > 0,
                Data = new() { ["connections"] = n, ["emptyRss"] = rss0, ["rss1"] = rss1, ["rss10"] = rss10, ["errorFrames"] = errors, ["heap1"] = heap1?.LiveBytes, ["heap10"] = heap10?.LiveBytes },
            });
        }
        finally
        {
            pool.AbortAll();
        }
    }

    /// <summary><paramref name="count"/> subscribe frames to <c>public:</c> channels of this socket's own, in one write.</summary>
    private static byte[] Subscribes(int index, int count)
    {
        var output = new ArrayBufferWriter<byte>(64 * count);
        for (int j = 0; j < count; j++)
            FrameWriter.Text(output, Encoding.ASCII.GetBytes($$"""{"type":"subscribe","channel":"public:s{{index}}-{{j}}"}"""));
        return output.WrittenSpan.ToArray();
    }
}
