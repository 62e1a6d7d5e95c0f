using System.Security.Cryptography;
using System.Text;
using Notifications.Bench.Infra;
using Notifications.Bench.Load;
using Notifications.Bench.Report;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Scenarios;

/// <summary>
/// The cost of the second door: one standalone instance serving a Pusher app, N sockets on one channel, one
/// sender (a <c>/ws</c> socket publishing alerts to <c>pusher:b:room</c>). The same steps run twice: the N
/// receivers on <c>/ws</c> subscribed to <c>pusher:b:room</c>, then on <c>/app/{key}</c> subscribed to
/// Pusher's <c>room</c>, where each alert arrives as the event <c>alert</c>. Each side stops at its knee
/// (p99 over 50 ms, or any loss), as local-fanout does.
/// </summary>
internal static class PusherFanout
{
    private const double P99LimitMs = 50;
    private const string TokenSecret = "bench-token-secret-of-at-least-32-bytes!";
    private static readonly double[] DeliveryRates = [25e3, 50e3, 100e3, 200e3, 400e3, 600e3, 800e3, 1e6, 1.5e6];

    public static async Task RunAsync(BenchContext context)
    {
        foreach (int n in context.Options.Sizes ?? (context.Smoke ? [20, 100] : [1000, 10_000]))
        {
            foreach (bool pusher in new[] { false, true })
                await RunDoorAsync(context, n, pusher);
        }
    }

    private static async Task RunDoorAsync(BenchContext context, int n, bool pusher)
    {
        var ct = context.Stopping;
        string door = pusher ? "/app/{key}" : "/ws";
        await using var server = ServerProcess.Start(context, pusher ? "pusher-door" : "ws-door", new Dictionary<string, string>
        {
            ["PUSHER_APPS"] = "b:bench-key:bench-secret",
            ["AUTH_HS256_SECRET"] = TokenSecret,
        });
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30), ct);
        var channel = new ChannelDoor("pusher:b:room", "room", "bench-key", Token());
        var pool = new ClientPool(new ClientHub(context.RunTag) { Channel = channel });
        try
        {
            var sender = await pool.ConnectAsync(server.EndPoint, 1, rate: null, concurrency: 1, ct);
            var connect = await pool.ConnectAsync(server.EndPoint, n, rate: null, concurrency: 256, ct, path: pusher ? channel.PusherPath : "/ws");
            if (sender.Failed + connect.Failed > 0)
            {
                context.Add(new Row("pusher-fanout", $"{door} N={n} connect", sender.FailureText + connect.FailureText) { Failed = true });
                return;
            }
            var senders = new[] { pool.Clients[0] };
            int[] receivers = pool.Clients.Skip(1).Select(c => c.Index).ToArray();
            var drain = TimeSpan.FromSeconds(5);
            var warm = await FanoutStep.RunAsync(pool, senders, receivers, 0, (context.Smoke ? 2_000.0 : 50_000.0) / n, TimeSpan.FromSeconds(context.Smoke ? 0.3 : 3),
                [server], false, drain, ct);
            if (!warm.Clean)
                context.Add(new Row("pusher-fanout", $"{door} N={n} warm-up", $"lost {warm.Lost}, duplicated {warm.Duplicated}") { Failed = true, Lost = warm.Lost });
            StepResult? knee = null;
            var rates = context.Options.Rates ?? (context.Smoke ? [2_000, 10_000] : DeliveryRates);
            for (int i = 0; i < rates.Count; i++)
            {
                var step = await FanoutStep.RunAsync(pool, senders, receivers, i + 1, rates[i] / n, context.Step, [server], context.Options.GcProbe, drain, ct);
                bool within = step.Clean && step.Latency.P99 <= P99LimitMs;
                var row = step.ToRow("pusher-fanout", $"{door} N={n} {step.Rate:0.#} alerts/s",
                    $"{step.DeliveriesPerSecond:N0} deliveries/s; {step.Latency}; {step.ServerCpuPerMillion:0.00} server CPU-s per M; {step.GcText}")
                    with { Failed = !step.Clean && (context.Smoke || knee is null) };
                row.Data["door"] = door;
                context.Add(row);
                if (!within && !(context.Smoke && step.Clean))
                    break;
                knee = step;
            }
            context.Add(new Row("pusher-fanout", $"{door} N={n} knee", knee is null ? "no clean step"
                : $"{knee.DeliveriesPerSecond:N0} deliveries/s at p99 {knee.Latency.P99:0.0} ms; {knee.ServerCpuPerMillion:0.00} server CPU-s per M deliveries")
            {
                Data = new() { ["knee"] = knee, ["door"] = door },
            });
        }
        finally
        {
            pool.AbortAll();
        }
    }

    /// <summary>An HS256 token letting the sender and the /ws receivers join and publish on the app's channels.</summary>
    private static string Token()
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        long exp = DateTimeOffset.UtcNow.AddHours(6).ToUnixTimeSeconds();
        string unsigned = Part("""{"alg":"HS256","typ":"JWT"}""") + "." + Part($$"""{"sub":"bench","exp":{{exp}},"channels":["pusher:b:*"],"publish":["pusher:b:*"]}""");
        string signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(TokenSecret), Encoding.ASCII.GetBytes(unsigned)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return unsigned + "." + signature;
    }
}
