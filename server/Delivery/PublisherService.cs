using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Metrics;

namespace Notifications.Delivery;

/// <summary>
/// Drains <see cref="OutboundAlerts"/> to the bus in batches. While the bus is down it waits and
/// retries with backoff; an alert that waits longer than PUBLISH_TIMEOUT_SECONDS is given up and its
/// sender told. On shutdown it stops accepting and flushes what is queued within the host's budget.
/// </summary>
internal sealed partial class PublisherService(
    OutboundAlerts outbound,
    IMessageBus bus,
    BusHealth health,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    NotificationsMetrics metrics,
    ILogger<PublisherService> logger) : IHostedService
{
    private const int MaxBatch = 100;
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.PublishTimeoutSeconds);
    private readonly CancellationTokenSource _abandon = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_abandon.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        outbound.Close();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.Abandoned(logger, outbound.Count);
            await _abandon.CancelAsync();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), clock);
        var batch = new List<PendingAlert>(MaxBatch);
        try
        {
            while (batch.Count > 0 || await outbound.Reader.WaitToReadAsync(cancellationToken))
            {
                await health.WaitUntilReadyAsync(cancellationToken);
                while (batch.Count < MaxBatch && outbound.Reader.TryRead(out var next))
                    batch.Add(next);
                GiveUpExpired(batch);
                if (batch.Count == 0)
                    continue;
                if (await TryPublishAsync(batch, cancellationToken))
                {
                    batch.Clear();
                    backoff.Reset();
                }
                else if (!await backoff.WaitAsync(cancellationToken))
                    return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryPublishAsync(List<PendingAlert> batch, CancellationToken cancellationToken)
    {
        long started = clock.GetTimestamp();
        try
        {
            await bus.PublishAsync(batch.Select(p => (ReadOnlyMemory<byte>)p.Body).ToList(), cancellationToken);
            metrics.Published(batch.Count, clock.GetElapsedTime(started));
            return true;
        }
        catch (BusUnavailableException e)
        {
            metrics.PublishFailed();
            Log.Retrying(logger, batch.Count, e.Message);
            return false;
        }
    }

    private void GiveUpExpired(List<PendingAlert> batch)
    {
        int removed = batch.RemoveAll(pending =>
        {
            if (clock.GetElapsedTime(pending.EnqueuedAt) <= _timeout)
                return false;
            pending.Sender?.PublishFailed(pending.Alert, $"Pub/Sub did not take it within {_timeout.TotalSeconds:0} s");
            return true;
        });
        if (removed > 0)
        {
            metrics.PublishExpired(removed);
            Log.Expired(logger, removed, _timeout.TotalSeconds);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Publishing {Count} alerts failed ({Reason}); retrying with backoff.")]
        public static partial void Retrying(ILogger logger, int count, string reason);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Gave up {Count} alerts that waited over {TimeoutSeconds} s to be published; their senders were told.")]
        public static partial void Expired(ILogger logger, int count, double timeoutSeconds);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Shutdown budget ran out with {Count} alerts still unpublished; they are lost.")]
        public static partial void Abandoned(ILogger logger, int count);
    }
}
