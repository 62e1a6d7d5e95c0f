using Grpc.Core;

namespace Notifications.Bus.PubSub;

internal sealed partial class SubscriptionSweeper
{
    // Ample for a list and a delete or two (each call has its own 10 s deadline); past it, the sweeper or expiry takes over.
    private static readonly TimeSpan PredecessorTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deletes the subscriptions this machine's earlier lives made: the same instance part, another boot.
    /// A machine id runs one process at a time, so their processes are dead, though Pub/Sub may still hold
    /// their streams open for a while. Tried once; a failure is logged once.
    /// </summary>
    private async Task DeletePredecessorsAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(PredecessorTimeout);
        string own = admin.OwnSubscriptionId;
        string machine = PubSubNames.InstancePartOf(own);
        try
        {
            foreach (string id in await admin.ListInstanceSubscriptionsAsync(timeout.Token))
            {
                if (id == own || PubSubNames.InstancePartOf(id) != machine)
                    continue;
                if (await admin.DeleteSubscriptionAsync(id, timeout.Token))
                {
                    metrics.Swept();
                    Log.PredecessorDeleted(logger, id);
                }
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            if (stoppingToken.IsCancellationRequested)
                return;
            var (status, detail) = Failure(e, $"not done within {PredecessorTimeout.TotalSeconds:0} s");
            Log.PredecessorsNotDeleted(logger, status, detail);
        }
    }
}
