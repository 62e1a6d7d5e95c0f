using System.Diagnostics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>
/// Watches an instance's readiness (what /healthz?strict's status code says) every few milliseconds and keeps
/// every stretch it was not ready, so a test can tell how long each fault cost and when it was over.
/// </summary>
internal sealed class Readiness : IAsyncDisposable
{
    private readonly TestInstance _instance;
    private readonly List<(TimeSpan Start, TimeSpan Length)> _gaps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _watch;
    private TimeSpan? _downSince;

    public Readiness(TestInstance instance)
    {
        _instance = instance;
        _watch = Task.Run(WatchAsync);
    }

    /// <summary>Time since watching began.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Stretches that were not ready and have ended.</summary>
    public IReadOnlyList<(TimeSpan Start, TimeSpan Length)> Gaps
    {
        get { lock (_gaps) return _gaps.ToArray(); }
    }

    /// <summary>True while the instance is ready right now.</summary>
    public bool IsReady => _instance.IsReady;

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            bool ready = _instance.IsReady;
            var now = _clock.Elapsed;
            if (!ready && _downSince is null)
                _downSince = now;
            else if (ready && _downSince is { } since)
            {
                lock (_gaps)
                    _gaps.Add((since, now - since));
                _downSince = null;
            }
            try
            {
                await Task.Delay(2, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public static string Describe(IEnumerable<TimeSpan> lengths)
    {
        var ms = lengths.Select(l => l.TotalMilliseconds).Order().ToArray();
        return ms.Length == 0 ? "none" : $"{ms.Length} gaps, median {ms[ms.Length / 2]:0} ms, max {ms[^1]:0} ms";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watch;
    }
}
