namespace Notifications.Channels;

/// <summary>The <c>code</c> values of error frames about channels and tokens; docs/protocol.md lists each with its meaning.</summary>
public static class ChannelErrors
{
    public const string InvalidChannel = "invalid_channel";
    public const string AuthRequired = "auth_required";
    public const string ChannelForbidden = "channel_forbidden";
    public const string TooManyChannels = "too_many_channels";
    public const string NotSubscribed = "not_subscribed";
    public const string PublishForbidden = "publish_forbidden";
    public const string TokenInvalid = "token_invalid";
    public const string TokenMismatch = "token_mismatch";
}

/// <summary>The answer to "may this socket do that with this channel": allowed, or the error code and a sentence saying why not.</summary>
internal readonly record struct ChannelVerdict(string? Code, string? Message)
{
    public static ChannelVerdict Allow => default;

    public bool Allowed => Code is null;

    public static ChannelVerdict Refuse(string code, string message) => new(code, message);
}
