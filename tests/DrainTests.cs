using System.Net.WebSockets;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>A graceful stop tells clients when to come back, loses no alert its clients sent, and removes its subscription.</summary>
public sealed class DrainTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task Alerts_sent_just_before_the_stop_still_reach_other_instances_and_clients_get_a_reconnect_hint()
    {
        string topic = TestInstance.NewTopic();
        await using var stopping = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "ams"), output);
        await using var staying = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await Task.WhenAll(stopping.WaitReadyAsync(), staying.WaitReadyAsync());
        await using var watcher = await TestSocket.ConnectAsync(staying.SocketUri);
        await using var sender = await TestSocket.ConnectAsync(stopping.SocketUri);

        for (int i = 0; i < 20; i++)
            await sender.SendAlertAsync($"last words {i}");
        await stopping.StopAsync();

        for (int i = 0; i < 20; i++)
            await watcher.WaitForAlertAsync($"last words {i}");
        var goAway = sender.OfType("goaway").Single();
        Assert.InRange(goAway.GetProperty("reconnectAfterMs").GetInt32(), 0, 3000);
        Assert.Equal((WebSocketCloseStatus)1012, await sender.WaitForCloseAsync());
        using var admin = new EmulatorAdmin(emulator);
        Assert.Null(await admin.GetSubscriptionAsync(stopping.InstanceId));
    }
}
