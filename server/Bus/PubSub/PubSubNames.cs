using System.Text;

namespace Notifications.Bus.PubSub;

/// <summary>Resource names for one instance: the shared topic and its own subscription.</summary>
internal sealed record PubSubNames(string Project, string TopicId, string SubscriptionId)
{
    /// <summary>Every instance's subscription id starts with this, since machine ids may start with a digit.</summary>
    public const string SubscriptionPrefix = "ID_";

    public string ProjectPath => $"projects/{Project}";
    public string Topic => $"projects/{Project}/topics/{TopicId}";
    public string Subscription => $"projects/{Project}/subscriptions/{SubscriptionId}";

    public static PubSubNames For(string project, string topicId, string instanceId) =>
        new(project, topicId, SubscriptionIdFor(instanceId));

    /// <summary>
    /// <c>ID_</c> plus the instance id with every character Pub/Sub does not allow replaced by '-',
    /// cut to Pub/Sub's 255-character limit.
    /// </summary>
    public static string SubscriptionIdFor(string instanceId)
    {
        var id = new StringBuilder(SubscriptionPrefix, SubscriptionPrefix.Length + instanceId.Length);
        foreach (char c in instanceId)
            id.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '+' or '%' ? c : '-');
        return id.Length <= 255 ? id.ToString() : id.ToString(0, 255);
    }

    /// <summary>A label value as Pub/Sub allows it: lower case letters, digits, '_' and '-', at most 63.</summary>
    public static string LabelValue(string value)
    {
        var label = new StringBuilder(Math.Min(value.Length, 63));
        foreach (char c in value.ToLowerInvariant())
        {
            if (label.Length == 63)
                break;
            label.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' ? c : '_');
        }
        return label.ToString();
    }
}
