using Notifications.Api;
using Notifications.Bus;
using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>
/// Takes the publish API's alerts into the same outbound buffer as alerts from sockets, and tells the API when
/// the topic took each one (or gave it up after PUBLISH_TIMEOUT_SECONDS), so a 202 means Pub/Sub holds it.
/// </summary>
internal sealed class ApiAlerts(OutboundAlerts outbound, BusHealth health) : IChannelPublisher
{
    public string? Unavailable => health.State switch
    {
        BusState.Stopping => "it is shutting down",
        _ when health.Publish.FailingWith is { } status => $"Pub/Sub refuses to publish ({status})",
        _ when !health.Setup.IsUp => health.Setup.FailingWith is { } status
            ? $"its subscription cannot be made (Pub/Sub answers {status})"
            : "it is not subscribed to the topic yet",
        _ => null,
    };

    public ValueTask<PublishOutcome> PublishAsync(ApiAlert alert, CancellationToken cancellationToken)
    {
        var waiter = new Waiter();
        if (!outbound.TryEnqueue(alert.Id, alert.Text, alert.Channel, alert.Data, waiter, out _))
            return ValueTask.FromResult(PublishOutcome.Refused("this instance's publish buffer is full (PUBLISH_BUFFER) or it is shutting down"));
        return new ValueTask<PublishOutcome>(waiter.Outcome.WaitAsync(cancellationToken));
    }

    private sealed class Waiter : IAlertSender
    {
        private readonly TaskCompletionSource<PublishOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<PublishOutcome> Outcome => _outcome.Task;

        public void Published(AlertMessage alert) => _outcome.TrySetResult(PublishOutcome.Published);

        public void PublishFailed(AlertMessage alert, string reason) => _outcome.TrySetResult(PublishOutcome.Refused(reason));
    }
}
