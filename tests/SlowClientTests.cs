using Microsoft.Extensions.DependencyInjection;
using Notifications.Connections;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>A client that stops reading, or dies silently, costs the others nothing and is cleaned up.</summary>
[Collection(StressCollection.Name)]
public sealed class SlowClientTests(ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task A_client_that_stops_reading_is_closed_while_the_others_get_every_alert_once()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_SEND_QUEUE"] = "16";
        settings["ALERT_MAX_LENGTH"] = "4000";
        settings["WS_MAX_MESSAGE_BYTES"] = "8192";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        await using var reader = await TestSocket.ConnectAsync(instance.SocketUri);
        using var stalled = await SilentSocket.ConnectAsync(instance.SocketUri);
        await Eventually.TrueAsync(() => registry.Count == 2, "both clients are registered");

        // 2,000 alerts of 4 KB: far more than kernel buffers and a 16-frame queue can hold for a client that reads nothing.
        string padding = new('x', 3990);
        const int Count = 2000;
        for (int i = 0; i < Count; i++)
        {
            await reader.SendAlertAsync($"{i:D5}{padding}");
            // A healthy reader keeps at most 8 frames in flight, well inside its 16-frame queue.
            if (i % 8 == 7)
                await reader.WaitForAsync("alert", a => a.GetProperty("text").GetString()!.StartsWith($"{i:D5}"));
        }

        await reader.WaitForAsync("alert", a => a.GetProperty("text").GetString()!.StartsWith($"{Count - 1:D5}"), TimeSpan.FromSeconds(60));
        var texts = reader.OfType("alert").Select(a => a.GetProperty("text").GetString()![..5]).ToList();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"{i:D5}"), texts);
        await Eventually.TrueAsync(() => registry.Count == 1, "the stalled client is gone from the registry");
        Assert.Contains(instance.Log.Events, e => e.MessageTemplate.Text.Contains("pile up unread"));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peer_that_never_answers_pings_is_dropped_after_the_keep_alive_timeout()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_KEEPALIVE_SECONDS"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();

        using var dead = await SilentSocket.ConnectAsync(instance.SocketUri);
        await Eventually.TrueAsync(() => registry.Count == 1, "the peer is registered");

        await Eventually.TrueAsync(() => registry.Count == 0, "the unresponsive peer was dropped", TimeSpan.FromSeconds(10));
        Assert.Contains(instance.Log.Events, e => e.MessageTemplate.Text.StartsWith("Connection {ConnectionId} from {Remote} closed"));
    }
}
