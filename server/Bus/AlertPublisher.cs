using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Bus;

/// <summary>Stamps an alert from a local client with its server-owned fields and publishes it to every instance.</summary>
internal sealed class AlertPublisher(IMessageBus bus, IOptions<InstanceOptions> instance, TimeProvider clock)
{
    private readonly InstanceOptions _instance = instance.Value;

    /// <summary>Publishes; throws <see cref="BusUnavailableException"/> when the bus would not take it.</summary>
    public async Task<AlertMessage> PublishAsync(string text, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var alert = new AlertMessage(Guid.CreateVersion7(now).ToString(), text, _instance.Region, _instance.InstanceId, now);
        await bus.PublishAsync(Frames.Alert(alert), cancellationToken);
        return alert;
    }
}
