using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bus.PubSub;

internal sealed partial class PubSubBus
{
    public async Task<IReadOnlyList<string>> ListInstanceSubscriptionsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        string pageToken = "";
        do
        {
            var page = await _publisher.ListTopicSubscriptionsAsync(
                new ListTopicSubscriptionsRequest { Topic = _names.Topic, PageSize = 1000, PageToken = pageToken },
                deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken);
            foreach (string path in page.Subscriptions)
            {
                string id = path[(path.LastIndexOf('/') + 1)..];
                if (id.StartsWith(PubSubNames.SubscriptionPrefix, StringComparison.Ordinal))
                    ids.Add(id);
            }
            pageToken = page.NextPageToken;
        } while (pageToken.Length > 0);
        return ids;
    }

    public async Task<bool> DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        try
        {
            await _subscriber.DeleteSubscriptionAsync(
                new DeleteSubscriptionRequest { Subscription = $"{_names.ProjectPath}/subscriptions/{subscriptionId}" },
                deadline: Deadline(AdminTimeout), cancellationToken: cancellationToken);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }
}
