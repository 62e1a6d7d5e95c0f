using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Storm;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// A deploy as users feel it: three instances on the emulator, 10,000 sockets on the first, which is
/// drained as Fly replaces a machine (SIGTERM → goaway with a random reconnect hint → 1012). Every
/// socket then behaves as a page does (<see cref="PageFollower"/>): it waits out the hint and resumes
/// with <c>?since=</c> on one of the two other instances. It measures how well the hint spreads them.
/// </summary>
internal static class DrainStorm
{
    /// <summary>The server's hint is random in 0 to this (ConnectionDrainService.ReconnectSpread).</summary>
    private static readonly TimeSpan HintSpread = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(BenchContext context)
    {
        if (!context.Server.TakesOurSettings)
        {
            context.Add(new Row("drain-storm", "skipped", $"{context.Server.Name} does not drain with a goaway"));
            return;
        }
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        string topic = $"bench-{context.RunTag}-drain";
        var servers = new[] { "ams", "syd", "lax" }.Select(r => ServerProcess.Start(context, $"drain-{r}", emulator.InstanceSettings(topic, r))).ToList();
        var pool = new ClientPool(new ClientHub(context.RunTag) { TrackAlertIds = true });
        var follower = new PageFollower(pool, servers.Skip(1).Select(s => s.EndPoint).ToList(), ct);
        try
        {
            await Task.WhenAll(servers.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct)));
            int n = context.Options.Sizes?[0] ?? (context.Smoke ? 100 : 10_000);
            var connect = await pool.ConnectAsync(servers[0].EndPoint, n, rate: null, concurrency: 256, ct);
            if (connect.Failed > 0)
                throw new InvalidOperationException($"connects to {servers[0].Name} failed: {connect.FailureText}");
            // A few alerts first, so every page has a last alert id to resume from, as it would after a while open.
            int[] everyone = pool.Clients.Select(c => c.Index).ToArray();
            var alerts = await FanoutStep.RunAsync(pool, [pool.Clients[0]], everyone, 1, 10, TimeSpan.FromSeconds(0.3), [servers[0]], false, TimeSpan.FromSeconds(10), ct);
            await DrainAsync(context, servers[0], servers.Skip(1).ToList(), pool, follower, alerts.Lost);
        }
        finally
        {
            pool.AbortAll();
            follower.AbortAll();
            foreach (var server in servers)
                await server.DisposeAsync();
        }
    }

    /// <summary>SIGTERM to <paramref name="drained"/> while every page follows it onto <paramref name="others"/>; reports how they came back.</summary>
    private static async Task DrainAsync(BenchContext context, ServerProcess drained, List<ServerProcess> others, ClientPool pool,
        PageFollower follower, long lostBefore)
    {
        int n = pool.Clients.Count;
        double cpu0 = others.Sum(s => s.CpuSeconds);
        var deadline = TimeSpan.FromSeconds(context.Smoke ? 20 : 40);
        follower.Start();
        var follows = pool.Clients.Select(c => follower.FollowAsync(c, deadline)).ToList();
        var stopped = drained.StopAsync(TimeSpan.FromSeconds(30));
        var reconnects = await Task.WhenAll(follows);
        double wall = follower.Elapsed.TotalSeconds, cpu = others.Sum(s => s.CpuSeconds) - cpu0;
        var exit = await stopped;
        var figures = StormFigures.From(reconnects, others.Count, HintSpread);
        var held = await Task.WhenAll(others.Select(s => s.ConnectionsAsync(context.Stopping)));
        context.Add(new Row("drain-storm", $"{n:N0} sockets drained onto {others.Count} instances", figures.Text + $"; drained instance exited {exit.TotalMilliseconds:0} ms after SIGTERM")
        {
            Failed = figures.Live < n || lostBefore > 0 || (context.Smoke && (figures.Hinted < n || figures.Closed1012 < n)),
            Lost = lostBefore,
            ServerCpuPercent = 100 * cpu / wall,
            Data = new() { ["figures"] = figures, ["exitMs"] = exit.TotalMilliseconds, ["instancesHold"] = held },
        });
        context.Add(new Row("drain-storm", $"reconnects per {figures.BucketMs:0} ms from SIGTERM", figures.BucketText));
    }
}
