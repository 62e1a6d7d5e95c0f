namespace Notifications.Messages;

/// <summary>The <c>code</c> values of error frames; docs/protocol.md lists each with its meaning.</summary>
public static class ErrorCodes
{
    public const string BinaryNotSupported = "binary_not_supported";
    public const string InvalidJson = "invalid_json";
    public const string InvalidMessage = "invalid_message";
    public const string UnknownType = "unknown_type";
    public const string ServerField = "server_field";
    public const string TextRequired = "text_required";
    public const string TextTooLong = "text_too_long";
    public const string PublishFailed = "publish_failed";
    public const string RateLimited = "rate_limited";

    public const string InvalidChannel = "invalid_channel";
    public const string AuthRequired = "auth_required";
    public const string ChannelForbidden = "channel_forbidden";
    public const string TooManyChannels = "too_many_channels";
    public const string NotSubscribed = "not_subscribed";
    public const string PublishForbidden = "publish_forbidden";
    public const string TokenInvalid = "token_invalid";
    public const string TokenMismatch = "token_mismatch";
}
