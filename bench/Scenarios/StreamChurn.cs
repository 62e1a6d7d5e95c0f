using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;
using Notifications.Tests.Faults;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// What Google does to streams, at load: two instances behind the fault front (tests/Faults), alerts at
/// 100/s, first calm, then with every instance's StreamingPull ended (UNAVAILABLE) every 10 s. Latency,
/// losses and duplicates beside each other, and how long /healthz?strict answered 503 after each end.
/// </summary>
internal static class StreamChurn
{
    private const string Project = "bench-local";
    private const double Rate = 100;
    private static readonly string[] Regions = ["ams", "syd"];

    public static async Task RunAsync(BenchContext context)
    {
        var ct = context.Stopping;
        var emulator = await context.EmulatorAsync();
        await using var front = await PubSubFront.StartAsync(emulator.Host);
        string topic = $"bench-{context.RunTag}-churn";
        var servers = Regions.Select(r => ServerProcess.Start(context, r, new Dictionary<string, string>
        {
            ["PUBSUB_EMULATOR_HOST"] = front.HostPort,
            ["PUBSUB_PROJECT_ID"] = Project,
            ["PUBSUB_TOPIC"] = topic,
            ["FLY_REGION"] = r,
        })).ToList();
        var pool = new ClientPool(new ClientHub(context.RunTag));
        try
        {
            await Task.WhenAll(servers.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct)));
            var senders = await ConnectAsync(context, pool, servers);
            int[] receivers = pool.Clients.Select(c => c.Index).ToArray();
            var duration = context.Smoke ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(60);
            var every = context.Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);

            var calm = await FanoutStep.RunAsync(pool, senders, receivers, 1, Rate, duration, servers, false, TimeSpan.FromSeconds(20), ct);
            context.Add(Row($"calm, {Rate:0} alerts/s", calm, null));

            using var churning = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var watch = Task.WhenAll(servers.Select(s => NotReadyStretchesAsync(s.Port, churning.Token)));
            var churn = ChurnAsync(front, every, churning.Token);
            var result = await FanoutStep.RunAsync(pool, senders, receivers, 2, Rate, duration, servers, false, TimeSpan.FromSeconds(20), ct);
            await churning.CancelAsync();
            int ends = await churn;
            var stretches = (await watch).SelectMany(s => s).ToList();
            context.Add(Row($"streams ended every {every.TotalSeconds:0} s", result, (ends, stretches)));
        }
        finally
        {
            pool.AbortAll();
            foreach (var server in servers)
                await server.DisposeAsync();
        }
    }

    private static async Task<List<WsClient>> ConnectAsync(BenchContext context, ClientPool pool, List<ServerProcess> servers)
    {
        int perInstance = context.Options.Sizes?[0] ?? (context.Smoke ? 5 : 50), sendersPerInstance = context.Smoke ? 1 : 2;
        var senders = new List<WsClient>();
        foreach (var server in servers)
        {
            var report = await pool.ConnectAsync(server.EndPoint, perInstance, rate: null, concurrency: 64, context.Stopping);
            if (report.Failed > 0)
                throw new InvalidOperationException($"connects to {server.Name} failed: {report.FailureText}");
            senders.AddRange(pool.Clients.TakeLast(perInstance).Take(sendersPerInstance));
        }
        return senders;
    }

    /// <summary>Ends every open stream each <paramref name="every"/>, all at once; returns how many it ended.</summary>
    private static async Task<int> ChurnAsync(PubSubFront front, TimeSpan every, CancellationToken cancellationToken)
    {
        int ended = 0;
        try
        {
            while (true)
            {
                await Task.Delay(every, cancellationToken);
                ended += front.EndStreams(StatusCode.Unavailable);
            }
        }
        catch (OperationCanceledException)
        {
            return ended;
        }
    }

    /// <summary>Polls one server's /healthz?strict every 10 ms; returns each stretch it did not answer 200, in milliseconds.</summary>
    private static async Task<List<double>> NotReadyStretchesAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stretches = new List<double>();
        long? downSince = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool ready;
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz?strict", cancellationToken);
                ready = response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                ready = cancellationToken.IsCancellationRequested;
            }
            if (!ready)
                downSince ??= Stopwatch.GetTimestamp();
            else if (downSince is { } since)
            {
                stretches.Add(Stopwatch.GetElapsedTime(since).TotalMilliseconds);
                downSince = null;
            }
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return stretches;
    }

    private static Row Row(string name, StepResult step, (int Ends, List<double> NotReadyMs)? churn)
    {
        string notReady = churn is not { } c ? ""
            : $"; {c.Ends} streams ended, /healthz?strict 503 {c.NotReadyMs.Count} times: " +
              (c.NotReadyMs.Count == 0 ? "never" : $"median {c.NotReadyMs.Order().ElementAt(c.NotReadyMs.Count / 2):0} ms, max {c.NotReadyMs.Max():0} ms");
        var row = step.ToRow("stream-churn", name,
            $"sockets p50 {step.Latency.P50:0.0} p99 {step.Latency.P99:0.0} max {step.Latency.Max:0} ms; lost {step.Lost}, duplicated {step.Duplicated}{notReady}");
        row.Data["streamEnds"] = churn?.Ends;
        row.Data["notReadyMs"] = churn?.NotReadyMs;
        return row;
    }
}
