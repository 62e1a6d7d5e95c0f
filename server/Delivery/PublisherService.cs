using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Delivery;

/// <summary>
/// Drains <see cref="OutboundAlerts"/> to the bus in batches. It waits only for the subscription to exist
/// (what is published before would not reach this instance), never for the receive stream. While Pub/Sub
/// refuses, it retries with backoff, cut short when another call gets through; an alert that waits longer
/// than PUBLISH_TIMEOUT_SECONDS is given up and its sender told. On shutdown it stops accepting and
/// flushes what is queued within its share of the budget (<see cref="ShutdownPlan"/>).
/// </summary>
internal sealed partial class PublisherService(
    OutboundAlerts outbound,
    IMessageBus bus,
    BusHealth health,
    ShutdownPlan shutdown,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<PublisherService> logger) : IHostedService
{
    private const int MaxBatch = 100;
    private static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.PublishTimeoutSeconds);
    private readonly CancellationTokenSource _abandon = new();
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PendingAlert> _batch = new(MaxBatch);
    // The batch as the bus takes it, refilled for each publish: the bus reads it only until its publish returns.
    private readonly List<OutgoingMessage> _messages = new(MaxBatch);
    private bool _expiredThisEpisode;
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_abandon.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        outbound.Close();
        _stopping.TrySetResult();
        try
        {
            await _loop.WaitAsync(shutdown.PublishTimeLeft, clock, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            await _abandon.CancelAsync();
            await _loop;
            shutdown.Unpublished(outbound.Count,
                health.Publish.FailingWith is { } status ? $"Pub/Sub refused them with {status}" : "Pub/Sub did not take them in time");
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), clock);
        // While stopping, the budget is seconds and nothing else probes Pub/Sub (the heartbeat has stopped): retry often.
        var flushing = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), clock);
        try
        {
            while (_batch.Count > 0 || await outbound.Reader.WaitToReadAsync(cancellationToken))
            {
                while (_batch.Count < MaxBatch && outbound.Reader.TryRead(out var next))
                    _batch.Add(next);
                GiveUpExpired();
                // While stopping, publish whether or not the subscription is there: it matters for this instance's own receipt only.
                if (_batch.Count == 0 || !_stopping.Task.IsCompleted && !await SubscribedAsync(cancellationToken))
                    continue;
                // Taken before the call: a recovery while it is in flight still cuts the wait short.
                var recovery = health.NextRecovery;
                if (await TryPublishAsync(cancellationToken))
                {
                    foreach (var published in _batch)
                        published.Sender.Published(published.Alert);
                    outbound.Completed(_batch.Count);
                    _batch.Clear();
                    backoff.Reset();
                    _expiredThisEpisode = false;
                }
                else if (!await RetryWaitAsync(backoff, flushing, recovery, cancellationToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The wait before the next try: backoff, cut short by a recovery or by the stop, after which it retries every few hundred milliseconds.</summary>
    private Task<bool> RetryWaitAsync(Backoff backoff, Backoff flushing, Task recovery, CancellationToken cancellationToken) =>
        _stopping.Task.IsCompleted
            ? flushing.WaitAsync(recovery, cancellationToken)
            : backoff.WaitAsync(Task.WhenAny(recovery, _stopping.Task), cancellationToken);

    /// <summary>Waits a while for the subscription to exist; false meanwhile, so expired alerts are still given up.</summary>
    private async Task<bool> SubscribedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await health.WaitUntilSubscribedAsync(cancellationToken).WaitAsync(ExpiryCheck, clock, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task<bool> TryPublishAsync(CancellationToken cancellationToken)
    {
        long started = clock.GetTimestamp();
        try
        {
            _messages.Clear();
            foreach (var pending in _batch)
                _messages.Add(new OutgoingMessage(pending.Alert));
            await bus.PublishAsync(_messages, cancellationToken);
            metrics.Published(_batch.Count, clock.GetElapsedTime(started));
            return true;
        }
        catch (BusUnavailableException)
        {
            // The bus's health logs the failure episode; here it is only counted.
            metrics.PublishFailed();
            return false;
        }
    }

    private void GiveUpExpired()
    {
        // Nearly always nothing has expired: look before making the predicate, which is an object per call.
        if (!AnyExpired())
            return;
        int removed = _batch.RemoveAll(pending =>
        {
            if (clock.GetElapsedTime(pending.EnqueuedAt) <= _timeout)
                return false;
            pending.Sender.PublishFailed(pending.Alert, $"Pub/Sub did not take it within {_timeout.TotalSeconds:0} s");
            return true;
        });
        if (removed == 0)
            return;
        outbound.Completed(removed);
        metrics.PublishExpired(removed);
        if (_expiredThisEpisode)
            Log.StillExpiring(logger, removed);
        else
            Log.Expired(logger, removed, _timeout.TotalSeconds);
        _expiredThisEpisode = true;
    }

    private bool AnyExpired()
    {
        foreach (var pending in _batch)
        {
            if (clock.GetElapsedTime(pending.EnqueuedAt) > _timeout)
                return true;
        }
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
            Message = "Gave up {Count} alerts that waited over {TimeoutSeconds} s to be published; their senders were told. More may follow until Pub/Sub takes alerts again (alerts.publish_expired counts them).")]
        public static partial void Expired(ILogger logger, int count, double timeoutSeconds);

        [LoggerMessage(EventId = 6004, Level = LogLevel.Debug, Message = "Gave up {Count} more alerts that waited too long to be published.")]
        public static partial void StillExpiring(ILogger logger, int count);
    }
}
