using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>The channel frames a client sends, and waits for the answer to, on a <see cref="TestSocket"/>.</summary>
internal static class ChannelSockets
{
    public static Task SendFrameAsync(this TestSocket socket, object frame) => socket.SendJsonAsync(JsonSerializer.Serialize(frame));

    /// <summary>Subscribes and returns the <c>subscribed</c> answer (the next one for that channel), failing on an error instead.</summary>
    public static async Task<JsonElement> SubscribeAsync(this TestSocket socket, string channel, string? since = null)
    {
        int before = socket.OfType("subscribed").Count(m => Channel(m) == channel);
        int errors = socket.OfType("error").Count();
        await socket.SendFrameAsync(since is null ? new { type = "subscribe", channel } : new { type = "subscribe", channel, since });
        var answer = await socket.WaitForAsync("subscribed", m => Channel(m) == channel, skip: before);
        Assert.Equal(errors, socket.OfType("error").Count());
        return answer;
    }

    /// <summary>Subscribes and returns the error it is refused with (the next error frame).</summary>
    public static async Task<JsonElement> SubscribeRefusedAsync(this TestSocket socket, string channel, string? since = null)
    {
        int errors = socket.OfType("error").Count();
        await socket.SendFrameAsync(since is null ? new { type = "subscribe", channel } : new { type = "subscribe", channel, since });
        return await socket.WaitForAsync("error", skip: errors);
    }

    public static async Task<JsonElement> UnsubscribeAsync(this TestSocket socket, string channel)
    {
        int before = socket.OfType("unsubscribed").Count(m => Channel(m) == channel);
        await socket.SendFrameAsync(new { type = "unsubscribe", channel });
        return await socket.WaitForAsync("unsubscribed", m => Channel(m) == channel, skip: before);
    }

    public static Task SendAlertAsync(this TestSocket socket, string channel, string text) =>
        socket.SendFrameAsync(new { type = "alert", channel, text });

    /// <summary>The next error frame after what has arrived so far, once <paramref name="send"/> has sent something.</summary>
    public static async Task<JsonElement> NextErrorAsync(this TestSocket socket, Func<Task> send)
    {
        int errors = socket.OfType("error").Count();
        await send();
        return await socket.WaitForAsync("error", skip: errors);
    }

    public static string? Channel(JsonElement frame) => frame.TryGetProperty("channel", out var c) ? c.GetString() : null;

    public static string Code(this JsonElement error) => error.GetProperty("code").GetString()!;

    /// <summary>Every alert this socket got on <paramref name="channel"/>, in arrival order.</summary>
    public static IEnumerable<JsonElement> AlertsOn(this TestSocket socket, string channel) => socket.OfType("alert").Where(a => Channel(a) == channel);

    public static IEnumerable<string> Texts(this IEnumerable<JsonElement> alerts) => alerts.Select(a => a.GetProperty("text").GetString()!);

    /// <summary>Publishes a <c>channel_alert</c> on the topic, as a backend would; returns its id.</summary>
    public static async Task<string> PublishToChannelAsync(this EmulatorAdmin admin, string topic, string channel, string text)
    {
        string id = Guid.CreateVersion7().ToString();
        await admin.PublishAsync(topic, JsonSerializer.SerializeToUtf8Bytes(new { type = "channel_alert", id, channel, text }));
        return id;
    }
}
