using System.Diagnostics;
using System.Net;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Storm;

/// <summary>How one page came back after its instance drained.</summary>
internal sealed record Reconnect(int? HintMs, int CloseCode, double ClosedAtMs, double StartedAtMs, double LiveAtMs, int Instance,
    int Attempts, bool? ResumeComplete)
{
    public bool Live => !double.IsNaN(LiveAtMs);
    /// <summary>From the last connect's start to the welcome: the handshake as the page waited for it.</summary>
    public double HandshakeMs => LiveAtMs - StartedAtMs;
}

/// <summary>
/// A page's reconnect logic, as client-web/app.js has it: when the socket ends, wait the goaway's
/// <c>reconnectAfterMs</c> if one came (it replaces one backoff step), else a full-jitter backoff
/// (random up to 500 ms × 2^attempt, capped at 15 s); connect with <c>?since=</c> the last alert id; on
/// a failed connect, back off and try again. The load balancer is a fair coin between the targets.
/// </summary>
internal sealed class PageFollower(ClientPool pool, IReadOnlyList<IPEndPoint> targets, CancellationToken cancellationToken)
{
    private const double BackoffBaseMs = 500, BackoffCapMs = 15_000;
    private readonly List<WsClient> _reconnected = [];
    private long _t0;

    /// <summary>Time zero for every figure: call it just before the SIGTERM.</summary>
    public void Start() => _t0 = Stopwatch.GetTimestamp();

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_t0);

    /// <summary>Resets every socket the pages reconnected with.</summary>
    public void AbortAll()
    {
        lock (_reconnected)
        {
            _reconnected.ForEach(c => c.Abort());
            _reconnected.Clear();
        }
    }

    public async Task<Reconnect> FollowAsync(WsClient page, TimeSpan deadline)
    {
        await page.Ended.WaitAsync(cancellationToken);
        double closedAt = Since(_t0);
        page.Release(); // 10,000 old descriptors and 10,000 new ones would not fit in the open-files limit
        int? hint = page.GoAwayMs;
        int attempt = 0, attempts = 0;
        double delay = hint ?? Jitter(ref attempt);
        string path = page.LastAlertId is { } id ? $"/ws?since={Uri.EscapeDataString(id)}" : "/ws";
        while (Since(_t0) < deadline.TotalMilliseconds)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delay), cancellationToken);
            int instance = Random.Shared.Next(targets.Count);
            double started = Since(_t0);
            attempts++;
            var (client, _) = await pool.ConnectOneAsync(targets[instance], path, cancellationToken);
            if (client is not null)
            {
                lock (_reconnected)
                    _reconnected.Add(client);
                return new Reconnect(hint, page.CloseCode, closedAt, started, Stopwatch.GetElapsedTime(_t0, client.LiveTicks).TotalMilliseconds,
                    instance, attempts, client.ResumeComplete);
            }
            delay = Jitter(ref attempt);
        }
        return new Reconnect(hint, page.CloseCode, closedAt, double.NaN, double.NaN, -1, attempts, null);
    }

    private static double Jitter(ref int attempt)
    {
        double ceiling = Math.Min(BackoffCapMs, BackoffBaseMs * Math.Pow(2, attempt));
        attempt = Math.Min(attempt + 1, 30);
        return Random.Shared.NextDouble() * ceiling;
    }

    private static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
