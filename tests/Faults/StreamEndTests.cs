using Microsoft.Extensions.DependencyInjection;
using Grpc.Core;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Google ends every StreamingPull stream now and then, with any status: the instance reopens it and loses nothing.</summary>
public sealed class StreamEndTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    private static readonly StatusCode[] Endings =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Internal, StatusCode.OK, StatusCode.Aborted, StatusCode.Unknown, StatusCode.ResourceExhausted, StatusCode.Cancelled];

    /// <summary>Issue 18, point 2: one instance alone, its stream ended every few seconds for a minute while clients send.</summary>
    [Fact(Timeout = 150_000)]
    public async Task A_lone_instance_whose_stream_ends_every_few_seconds_delivers_every_alert_once_and_is_503_under_a_second_per_end()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams"), output);
        await instance.WaitReadyAsync();
        var sockets = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TestSocket.ConnectAsync(instance.SocketUri)));
        await using var readiness = new Readiness(instance);
        var sent = new List<string>();
        int ends = 0;

        var until = readiness.Now + TimeSpan.FromSeconds(60);
        var nextEnd = readiness.Now + TimeSpan.FromSeconds(2);
        for (int i = 0; readiness.Now < until; i++)
        {
            string text = $"churn {i}";
            await sockets[i % sockets.Length].SendAlertAsync(text);
            sent.Add(text);
            if (readiness.Now >= nextEnd)
            {
                ends += front.EndStreams(Endings[ends % Endings.Length]);
                nextEnd = readiness.Now + TimeSpan.FromSeconds(2 + Random.Shared.NextDouble() * 2);
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await Fronted.AssertEachGotEachOnceAsync(sockets, sent, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => readiness.IsReady, "ready after the last end");
        var gaps = readiness.Gaps.Select(g => g.Length).ToList();
        output.WriteLine($"{ends} stream ends, {sent.Count} alerts; not ready: {Readiness.Describe(gaps)}");
        Assert.True(ends >= 15, $"only {ends} streams were ended");
        Assert.All(gaps, g => Assert.True(g < TimeSpan.FromSeconds(1.5), $"503 for {g.TotalMilliseconds:0} ms after a stream end"));
        Assert.DoesNotContain(instance.Log.Events, e => e.Level >= Serilog.Events.LogEventLevel.Warning);
        foreach (var socket in sockets)
            await socket.DisposeAsync();
    }

    /// <summary>Issue 18, point 3: every instance's stream ends at the same moment; all are ready again within 2 s and nothing is lost.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Every_instance_stream_ended_at_once_all_are_ready_within_two_seconds_and_nothing_is_lost()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        string topic = TestInstance.NewTopic();
        var instances = await Task.WhenAll(new[] { "ams", "syd", "lax" }.Select(r => TestInstance.StartAsync(Fronted.Settings(emulator, front, topic, r), output)));
        try
        {
            await Task.WhenAll(instances.Select(i => i.WaitReadyAsync()));
            var sockets = await Task.WhenAll(instances.Select(i => TestSocket.ConnectAsync(i.SocketUri)));
            var watches = instances.Select(i => new Readiness(i)).ToArray();
            var sent = new List<string>();
            for (int round = 0; round < 3; round++)
            {
                await Eventually.TrueAsync(() => front.OpenStreams == instances.Length && instances.All(i => i.IsReady), "every instance has its stream open");
                var endedAt = watches.Select(w => w.Now).ToArray();
                int before = front.StreamsEnded;
                Assert.Equal(instances.Length, front.EndStreams(StatusCode.Unavailable));
                for (int i = 0; i < 6; i++)
                {
                    string text = $"round {round} alert {i}";
                    await sockets[i % sockets.Length].SendAlertAsync(text);
                    sent.Add(text);
                }
                await Eventually.TrueAsync(() => front.StreamsEnded == before + instances.Length && instances.All(i => i.IsReady), "all ready again", TimeSpan.FromSeconds(10));
                // Each instance's last stretch of not being ready since the end: the time it took to be ready again.
                var down = watches.Select((w, n) => w.Gaps.Where(g => g.Start >= endedAt[n]).Select(g => g.Start + g.Length - endedAt[n]).DefaultIfEmpty().Max()).ToArray();
                output.WriteLine($"round {round}: all streams ended; ready again after {string.Join(", ", down.Select(d => $"{d.TotalMilliseconds:0} ms"))}");
                Assert.All(down, d => Assert.True(d < TimeSpan.FromSeconds(2), $"ready again only after {d.TotalMilliseconds:0} ms"));
            }
            await Fronted.AssertEachGotEachOnceAsync(sockets, sent, TimeSpan.FromSeconds(20));
            foreach (var watch in watches)
                await watch.DisposeAsync();
            foreach (var socket in sockets)
                await socket.DisposeAsync();
        }
        finally
        {
            foreach (var instance in instances)
                await instance.DisposeAsync();
        }
    }

    /// <summary>
    /// For a while after a stream reopens, what the ended one had in flight may still come: alerts relayed then say
    /// <c>"stamp": false</c>, so a page does not take their sentAt as the point it has heard everything up to.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Alerts_relayed_just_after_a_stream_reopens_are_marked_as_no_stamp()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams"), output);
        await instance.WaitReadyAsync();
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        // The boot's first stream vouches at once: nothing was in flight before it.
        await Eventually.TrueAsync(() => instance.Services.GetRequiredService<Notifications.Bus.BusHealth>().Vouches, "the first stream vouches", TimeSpan.FromSeconds(30));
        await client.SendAlertAsync("on the first stream");
        Assert.False((await client.WaitForAlertAsync("on the first stream")).TryGetProperty("stamp", out _));

        Assert.Equal(1, front.EndStreams(StatusCode.Unavailable));
        await Eventually.TrueAsync(() => front.OpenStreams == 1 && instance.IsReady, "the stream is open again");
        await client.SendAlertAsync("just after the reopen");
        var marked = await client.WaitForAlertAsync("just after the reopen");
        Assert.False(marked.GetProperty("stamp").GetBoolean());
    }
}
