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
}
