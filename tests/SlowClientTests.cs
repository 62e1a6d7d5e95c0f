using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
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
        await using var instance = await StartWithLongAlertsAsync(sendQueue: 16);
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

    [Fact(Timeout = 60_000)]
    public async Task A_client_that_pauses_reading_then_catches_up_gets_every_frame_whole_in_order_once()
    {
        // Room for the whole backlog, so the server waits for this client instead of closing it: its sends
        // then stop part-way through a batch when the kernel's buffer fills, and resume when the client reads.
        await using var instance = await StartWithLongAlertsAsync(sendQueue: 10000);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        await using var sender = await TestSocket.ConnectAsync(instance.SocketUri);
        using var paused = await SilentSocket.ConnectAsync(instance.SocketUri);
        await Eventually.TrueAsync(() => registry.Count == 2, "both clients are registered");
        Assert.Contains("\"welcome\"", await paused.ReceiveTextAsync());

        // 400 alerts of about 3 KB (1.2 MB) against a 4 KB receive buffer: the server's writes to the paused
        // client fill the kernel's buffers many times over, with batches of every size in flight.
        const int Count = 400;
        static string Text(int i) => $"{i:D5}:{new string((char)('a' + i % 26), 1000 + i * 7 % 2000)}";
        for (int i = 0; i < Count; i++)
        {
            await sender.SendAlertAsync(Text(i));
            if (i % 8 == 7)
                await sender.WaitForAsync("alert", a => a.GetProperty("text").GetString()!.StartsWith($"{i:D5}:"));
        }
        await sender.WaitForAsync("alert", a => a.GetProperty("text").GetString()!.StartsWith($"{Count - 1:D5}:"), TimeSpan.FromSeconds(30));

        var texts = new List<string>();
        while (texts.Count < Count)
        {
            string message = await paused.ReceiveTextAsync();
            using var json = JsonDocument.Parse(message);
            if (json.RootElement.GetProperty("type").GetString() == "alert")
                texts.Add(json.RootElement.GetProperty("text").GetString()!);
        }
        Assert.Equal(Enumerable.Range(0, Count).Select(Text), texts);
        Assert.Equal(2, registry.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peer_that_never_answers_pings_is_dropped_after_the_keep_alive_timeout()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_KEEPALIVE_SECONDS"] = "1";
        settings["LOG_CONNECTIONS"] = "true";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();

        using var dead = await SilentSocket.ConnectAsync(instance.SocketUri);
        await Eventually.TrueAsync(() => registry.Count == 1, "the peer is registered");

        await Eventually.TrueAsync(() => registry.Count == 0, "the unresponsive peer was dropped", TimeSpan.FromSeconds(10));
        // The registry forgets a connection a moment before its close is logged.
        await Eventually.TrueAsync(() => instance.Log.Events.Any(e => e.MessageTemplate.Text.StartsWith("Connection {ConnectionId} from {Remote} closed")
            && e.Properties["CloseReason"].ToString() == nameof(CloseReason.Unresponsive)), "the close is logged as unresponsive");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peer_that_answers_pings_is_kept_across_many_intervals()
    {
        var settings = TestInstance.StandaloneSettings();
        // Long enough that a pause of this machine between a ping and its pong is no silence.
        settings["WS_KEEPALIVE_SECONDS"] = "3";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        using var client = await RawClient.UpgradeAsync(instance.BaseUri);

        // Four intervals: a silent peer would have been dropped after two.
        for (int i = 0; i < 4; i++)
        {
            byte[] ping = await client.ReadUntilAsync(0x9);
            await client.WriteAsync(RawClient.Frame(0x8A, ping));
        }

        Assert.Equal(1, registry.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peer_that_floods_pings_and_never_reads_is_dropped_after_the_keep_alive_timeout()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_KEEPALIVE_SECONDS"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();

        // The pongs it is owed fill its receive window, so the server's pong send waits on the socket.
        using var flooder = await PingFloodAsync(instance.BaseUri);
        await Eventually.TrueAsync(() => registry.Count == 1, "the peer is registered");

        await Eventually.TrueAsync(() => registry.Count == 0, "the peer was dropped", TimeSpan.FromSeconds(10));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_peer_that_floods_pings_and_never_reads_is_closed_as_slow_while_the_others_carry_on()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_SEND_QUEUE"] = "16";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        await using var reader = await TestSocket.ConnectAsync(instance.SocketUri);
        using var flooder = await PingFloodAsync(instance.BaseUri);
        await Eventually.TrueAsync(() => registry.Count == 2, "both clients are registered");

        // Alerts until its queue overflows: the first ones may still fit before its pongs block the socket.
        for (int i = 0; i < 1000 && registry.Count == 2; i++)
        {
            await reader.SendAlertAsync($"a{i}");
            await reader.WaitForAsync("alert", a => a.GetProperty("text").GetString() == $"a{i}");
        }

        await Eventually.TrueAsync(() => registry.Count == 1, "the flooding peer was dropped", TimeSpan.FromSeconds(10));
        Assert.Null(reader.CloseStatus);
    }

    /// <summary>A peer that stopped reading but still sends now and then passes the keep-alive; its stuck write gives it away.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_peer_that_stops_reading_but_keeps_sending_pongs_is_closed_as_slow_before_its_queue_fills()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["WS_KEEPALIVE_SECONDS"], settings["ALERT_MAX_LENGTH"], settings["WS_MAX_MESSAGE_BYTES"]) = ("2", "4000", "8192");
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        await using var sender = await TestSocket.ConnectAsync(instance.SocketUri);
        var ct = TestContext.Current.CancellationToken;
        using var stalled = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        await stalled.ConnectAsync(IPAddress.Loopback, instance.BaseUri.Port, ct);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{instance.BaseUri.Port}\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct);
        await Eventually.TrueAsync(() => registry.Count == 2, "both clients are registered");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pongs = Task.Run(async () =>
        {
            byte[] pong = [0x8A, 0x80, 0, 0, 0, 0]; // an unsolicited pong, masked with zeros: proof of life, nothing read
            while (await Task.Delay(500, stop.Token).ContinueWith(t => !t.IsCanceled, TaskScheduler.Default))
            {
                try
                {
                    await stalled.SendAsync(pong, stop.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    return;
                }
            }
        }, ct);

        // About 600 KB to a peer that reads nothing: far more than the kernel holds for it, far fewer frames than its queue.
        for (int i = 0; i < 200; i++)
            await sender.SendAlertAsync($"{i:D3}:{new string('x', 3000)}");

        await Eventually.TrueAsync(() => registry.Count == 1, "the stalled peer was closed", TimeSpan.FromSeconds(15));
        await stop.CancelAsync();
        await pongs;
        await Eventually.TrueAsync(() => instance.Log.Events.Any(e => e.MessageTemplate.Text.Contains("did not finish taking one write")), "the stall is logged");
        Assert.Null(sender.CloseStatus);
    }

    /// <summary>
    /// A raw client that completes the handshake, then sends 4,000 pings (about 500 KB of pongs owed) and
    /// never reads: once its small receive window is full, every write the server makes to it waits.
    /// </summary>
    private static async Task<Socket> PingFloodAsync(Uri baseUri)
    {
        var ct = TestContext.Current.CancellationToken;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, baseUri.Port, ct);
        string head = $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{baseUri.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), ct);
        var ping = new byte[2 + 4 + 125];
        (ping[0], ping[1]) = (0x89, 0x80 | 125); // FIN + ping; masked (with a zero mask), 125 bytes
        var burst = new byte[ping.Length * 500];
        for (int i = 0; i < 500; i++)
            ping.CopyTo(burst, i * ping.Length);
        for (int k = 0; k < 8; k++)
            await socket.SendAsync(burst, ct);
        return socket;
    }

    /// <summary>A standalone instance taking alerts of up to 4,000 characters, with a send queue of <paramref name="sendQueue"/> frames per socket.</summary>
    private Task<TestInstance> StartWithLongAlertsAsync(int sendQueue)
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_SEND_QUEUE"] = sendQueue.ToString();
        settings["ALERT_MAX_LENGTH"] = "4000";
        settings["WS_MAX_MESSAGE_BYTES"] = "8192";
        return TestInstance.StartAsync(settings, output);
    }
}
