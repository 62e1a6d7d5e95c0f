using System.Text.Json;

namespace Notifications.Pusher.Protocol;

/// <summary>What one text frame from a Pusher client asks for.</summary>
internal abstract record PusherClientFrame;

/// <summary><c>pusher:subscribe</c>; <c>auth</c> and <c>channel_data</c> come from the app's auth endpoint.</summary>
internal sealed record SubscribeFrame(string Channel, string? Auth, string? ChannelData) : PusherClientFrame;

internal sealed record UnsubscribeFrame(string Channel) : PusherClientFrame;

internal sealed record PingFrame : PusherClientFrame
{
    public static PingFrame Instance { get; } = new();
}

internal sealed record PongFrame : PusherClientFrame
{
    public static PongFrame Instance { get; } = new();
}

/// <summary><c>pusher:signin</c>: <c>user_data</c> (a JSON string with an <c>id</c>) signed by the app's user-auth endpoint.</summary>
internal sealed record SigninFrame(string? Auth, string UserData) : PusherClientFrame;

/// <summary>A <c>client-*</c> event; <see cref="DataBytes"/> is the size of <c>data</c> as sent, for the app's limit.</summary>
internal sealed record ClientEventFrame(string Event, string Channel, JsonElement? Data, int DataBytes) : PusherClientFrame;

/// <summary>A frame the server cannot act on; answered with <c>pusher:error</c> 4300 and this message.</summary>
internal sealed record InvalidFrame(string Message) : PusherClientFrame;
