using Grpc.Core;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Issue 18, point 6: connections to Pub/Sub drained by GOAWAY, reset, or gone silent: the instance recovers and loses nothing.</summary>
public sealed class ConnectionFaultTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public Task A_GOAWAY_moves_calls_to_a_new_connection_and_loses_nothing() =>
        RunAsync(async (front, readiness) =>
        {
            front.SendGoAway();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            // Google ends the streams left on a connection it sent GOAWAY on; they reopen on a new one.
            front.EndStreams(StatusCode.Unavailable);
        }, TimeSpan.FromSeconds(10));

    [Fact(Timeout = 60_000)]
    public Task A_reset_connection_is_replaced_and_loses_nothing() =>
        RunAsync((front, _) =>
        {
            front.DropConnections();
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(10));

    /// <summary>The connection stops answering: publishes time out (degraded), and the client's keep-alive pings close it within ~30 s.</summary>
    [Fact(Timeout = 120_000)]
    public Task A_connection_that_stops_answering_is_abandoned_and_loses_nothing() =>
        RunAsync(async (front, readiness) =>
        {
            front.FreezeConnections();
            await Eventually.TrueAsync(() => !readiness.IsReady, "degraded while nothing gets through", TimeSpan.FromSeconds(15));
        }, TimeSpan.FromSeconds(60));

    /// <summary>One instance with clients sending all along; the fault strikes mid-way; every alert reaches every client once.</summary>
    private async Task RunAsync(Func<PubSubFront, Readiness, Task> fault, TimeSpan recovery)
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        string topic = TestInstance.NewTopic();
        await using var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, topic, "ams"), output);
        await instance.WaitReadyAsync();
        var sockets = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => TestSocket.ConnectAsync(instance.SocketUri)));
        await using var readiness = new Readiness(instance);
        var sent = new List<string>();
        using var stop = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string text = $"alert {i}";
                await sockets[i % sockets.Length].SendAlertAsync(text);
                lock (sent)
                    sent.Add(text);
                await Task.Delay(50);
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var struck = readiness.Now;
        await fault(front, readiness);
        await Eventually.TrueAsync(() => instance.IsReady && readiness.Gaps.Any(g => g.Start >= struck) || readiness.Now - struck > TimeSpan.FromSeconds(3) && instance.IsReady,
            "ready again after the fault", recovery);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await sending;

        await Fronted.AssertEachGotEachOnceAsync(sockets, sent, TimeSpan.FromSeconds(30));
        output.WriteLine($"{sent.Count} alerts all delivered once; not ready: {Readiness.Describe(readiness.Gaps.Select(g => g.Length))}");
        Assert.Empty(sockets.SelectMany(s => s.OfType("error")));
        foreach (var socket in sockets)
            await socket.DisposeAsync();
    }
}
