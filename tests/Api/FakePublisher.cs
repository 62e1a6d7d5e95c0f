using System.Collections.Concurrent;
using Notifications.Api;

namespace Notifications.Tests.Api;

/// <summary>
/// The intake the publish API hands alerts to, standing in for the outbound buffer: it records every alert in
/// order, answers as told (published, queued, refused, or not at all while <see cref="Unavailable"/>), and can
/// hold its answers back until released, as a publisher waiting on Pub/Sub would.
/// </summary>
internal sealed class FakePublisher : IChannelPublisher
{
    private TaskCompletionSource _release = Released();

    public ConcurrentQueue<ApiAlert> Alerts { get; } = new();

    public string? Unavailable { get; set; }

    public PublishOutcome Outcome { get; set; } = PublishOutcome.Published;

    /// <summary>The ids that reached the intake, once each: what every instance's dedup by id lets through.</summary>
    public IReadOnlyList<string> DistinctIds => Alerts.Select(a => a.Id).Distinct().ToList();

    public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _release.TrySetResult();

    public async ValueTask<PublishOutcome> PublishAsync(ApiAlert alert, CancellationToken cancellationToken)
    {
        Alerts.Enqueue(alert);
        await _release.Task.WaitAsync(cancellationToken);
        return Outcome;
    }

    private static TaskCompletionSource Released()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
