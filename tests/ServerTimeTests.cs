using Microsoft.Extensions.DependencyInjection;
using Notifications.Tests.Channels;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>
/// Every frame that carries <c>serverTime</c> takes it from the server's clock, the one its resume windows use:
/// a client resumes from these stamps, so a frame stamped by another clock could move its point past alerts it never got.
/// </summary>
public sealed class ServerTimeTests(ITestOutputHelper output)
{
    /// <summary>Far enough from the real clock that no frame stamped by it passes, near enough that an hour's token is still good.</summary>
    private static readonly TimeSpan Shift = TimeSpan.FromMinutes(17);

    [Fact(Timeout = 60_000)]
    public async Task Welcome_subscribed_unsubscribed_refreshed_presence_and_goaway_are_stamped_by_the_servers_clock()
    {
        var settings = TestInstance.StandaloneSettings("fra");
        Tokens.Accept(settings);
        settings["HEARTBEAT_SECONDS"] = "1";
        var clock = new ShiftedClock(Shift);
        await using var instance = await TestInstance.StartAsync(settings, output, services => services.AddSingleton<TimeProvider>(clock));
        var started = DateTimeOffset.UtcNow;

        await using var socket = await TestSocket.ConnectAsync(instance.SocketUri, token: Tokens.For("u", channels: ["team:7"]));
        await socket.SubscribeAsync("team:7");
        var first = await socket.SubscribeAsync("public:lobby");
        // With a resume point the answer is made under the delivery lock, on a path of its own.
        await socket.SubscribeAsync("public:news", since: first.GetProperty("serverTime").GetString());
        await socket.UnsubscribeAsync("public:lobby");
        // A token that no longer allows team:7 takes the socket out of it.
        await socket.SendFrameAsync(new { type = "refresh", token = Tokens.For("u") });
        await socket.WaitForAsync("refreshed");
        await socket.WaitForAsync("unsubscribed", m => ChannelSockets.Channel(m) == "team:7");
        await using var second = await TestSocket.ConnectAsync(instance.SocketUri);
        await socket.WaitForAsync("presence", p => p.GetProperty("clients").GetInt32() == 2, TimeSpan.FromSeconds(10));
        await instance.StopAsync();
        await socket.WaitForAsync("goaway");
        var ended = DateTimeOffset.UtcNow;

        string[] stamped = ["welcome", "subscribed", "unsubscribed", "refreshed", "presence", "goaway"];
        var frames = socket.Received.Where(f => stamped.Contains(f.GetProperty("type").GetString())).ToList();
        Assert.Equal(stamped.Order(), frames.Select(f => f.GetProperty("type").GetString()!).Distinct().Order());
        Assert.All(frames, frame =>
            Assert.InRange(frame.GetProperty("serverTime").GetDateTimeOffset(), started.AddSeconds(-1) + Shift, ended.AddSeconds(1) + Shift));
    }

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
