using System.Text;

namespace Notifications.Bus.PubSub;

/// <summary>
/// Resource names for one process: the shared topic and its own subscription,
/// <c>ID_&lt;instance&gt;_&lt;boot&gt;</c>. The boot part is new in every process, so a machine restarted with
/// the same FLY_ALLOC_ID never subscribes under a name its dead predecessor's streams may still be bound to.
/// </summary>
internal sealed record PubSubNames(string Project, string TopicId, string SubscriptionId)
{
    /// <summary>Every instance's subscription id starts with this, since machine ids may start with a digit.</summary>
    public const string SubscriptionPrefix = "ID_";

    /// <summary>Lower-case hex digits in a boot id: two lives of one machine share a name once in four billion.</summary>
    public const int BootLength = 8;

    private const int MaxIdLength = 255;
    private const int MaxInstancePartLength = MaxIdLength - 1 - BootLength;

    public string ProjectPath => $"projects/{Project}";
    public string Topic => $"projects/{Project}/topics/{TopicId}";
    public string Subscription => $"projects/{Project}/subscriptions/{SubscriptionId}";

    public static PubSubNames For(string project, string topicId, string instanceId, string boot) =>
        new(project, topicId, SubscriptionIdFor(instanceId, boot));

    /// <summary>A fresh boot id: <see cref="BootLength"/> random lower-case hex digits.</summary>
    public static string NewBoot() => Guid.NewGuid().ToString("N")[..BootLength];

    /// <summary>This process's subscription id: the instance's part, '_', the boot id.</summary>
    public static string SubscriptionIdFor(string instanceId, string boot) => $"{InstancePartFor(instanceId)}_{boot}";

    /// <summary>
    /// <c>ID_</c> plus the instance id with every character Pub/Sub does not allow replaced by '-', cut so
    /// that the boot suffix still fits Pub/Sub's 255 characters. Every life of one machine shares it.
    /// </summary>
    public static string InstancePartFor(string instanceId)
    {
        var id = new StringBuilder(SubscriptionPrefix, SubscriptionPrefix.Length + instanceId.Length);
        foreach (char c in instanceId)
            id.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '+' or '%' ? c : '-');
        return id.Length <= MaxInstancePartLength ? id.ToString() : id.ToString(0, MaxInstancePartLength);
    }

    /// <summary>
    /// The instance's part of a subscription id: the id without its boot suffix. An id without one is
    /// its own (versions before boot ids named a machine's subscription <c>ID_&lt;instance&gt;</c>).
    /// </summary>
    public static string InstancePartOf(string subscriptionId)
    {
        int separator = subscriptionId.Length - BootLength - 1;
        if (separator <= SubscriptionPrefix.Length || subscriptionId[separator] != '_')
            return subscriptionId;
        foreach (char c in subscriptionId.AsSpan(separator + 1))
        {
            if (!char.IsAsciiHexDigitLower(c))
                return subscriptionId;
        }
        return subscriptionId[..separator];
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
