using Notifications.WebSockets;

namespace Notifications.Tests.Infrastructure;

/// <summary>What a frame the server built carries, read back as a client would read it.</summary>
internal static class ServerFrames
{
    /// <summary>The payload of an unmasked server frame: what follows its 2, 4 or 10 header bytes.</summary>
    public static ReadOnlySpan<byte> PayloadOf(SocketFrame frame) => frame.Bytes.AsSpan((frame.Bytes[1] & 0x7F) switch
    {
        126 => 4,
        127 => 10,
        _ => 2,
    });

    /// <summary>The <c>text</c> field of a frame holding an alert.</summary>
    public static string? AlertText(SocketFrame frame) =>
        System.Text.Json.JsonDocument.Parse(PayloadOf(frame).ToArray()).RootElement.GetProperty("text").GetString();
}
