namespace Notifications.Pusher.Api;

/// <summary>Why the HTTP API refused a request: the status and a message for the caller (a Pusher SDK shows it in its error).</summary>
internal sealed record ApiProblem(int Status, string Message)
{
    public static ApiProblem BadRequest(string message) => new(400, message);
}

/// <summary>A value, or the problem that stopped it.</summary>
internal readonly record struct ApiResult<T>(T? Value, ApiProblem? Problem)
    where T : class
{
    public static implicit operator ApiResult<T>(T value) => new(value, null);

    public static implicit operator ApiResult<T>(ApiProblem problem) => new(null, problem);
}

/// <summary>The channel attributes a request asks to have reported (<c>info=user_count,subscription_count</c>).</summary>
[Flags]
internal enum ChannelAttributes
{
    None = 0,
    UserCount = 1,
    SubscriptionCount = 2,
}

internal static class ChannelAttributesParser
{
    /// <summary>Reads <c>info</c>; attributes this server does not know are ignored, as Pusher does.</summary>
    public static ChannelAttributes Parse(string? info)
    {
        var attributes = ChannelAttributes.None;
        foreach (var name in (info ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            attributes |= name switch
            {
                "user_count" => ChannelAttributes.UserCount,
                "subscription_count" => ChannelAttributes.SubscriptionCount,
                _ => ChannelAttributes.None,
            };
        }
        return attributes;
    }
}
