using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Messages;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(ErrorMessage))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;

/// <summary>Serialises outbound frames once, to the UTF-8 bytes every connection shares.</summary>
internal static class Frames
{
    public static byte[] Welcome(WelcomeMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, NotificationsJsonContext.Default.WelcomeMessage);

    public static byte[] Alert(AlertMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, NotificationsJsonContext.Default.AlertMessage);

    public static byte[] Error(string code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorMessage(code, message), NotificationsJsonContext.Default.ErrorMessage);
}
