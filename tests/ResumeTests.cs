using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>Exactly once on screen: duplicates dropped, missed alerts replayed after a reconnect, on any instance.</summary>
public sealed class ResumeTests(PubSubEmulator emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _topic = TestInstance.NewTopic();
    private readonly EmulatorAdmin _admin = new(emulator);
    private TestInstance _ams = null!, _syd = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = new[] { "ams", "syd" }.Select(region =>
        {
            var s = TestInstance.EmulatorSettings(emulator, _topic, region);
            s["ALERT_WINDOW_SIZE"] = "20";
            return s;
        });
        var started = await Task.WhenAll(settings.Select(s => TestInstance.StartAsync(s, output)));
        (_ams, _syd) = (started[0], started[1]);
        await Task.WhenAll(_ams.WaitReadyAsync(), _syd.WaitReadyAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task The_same_alert_delivered_twice_by_PubSub_is_relayed_once()
    {
        await using var client = await TestSocket.ConnectAsync(_ams.SocketUri);
        string id = Guid.CreateVersion7().ToString();
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { type = "alert", id, text = "twice", region = "x", instance = "y" });

        await _admin.PublishAsync(_topic, body);
        await _admin.PublishAsync(_topic, body);
        await _admin.PublishAsync(_topic, """{"text":"marker"}"""u8.ToArray());

        await client.WaitForAlertAsync("marker");
        Assert.Single(client.OfType("alert"), a => a.GetProperty("id").GetString() == id);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_reconnects_after_missing_alerts_gets_them_in_order_then_the_live_stream(bool elsewhere)
    {
        await using var sender = await TestSocket.ConnectAsync(_syd.SocketUri);
        var first = await TestSocket.ConnectAsync(_ams.SocketUri);
        await sender.SendAlertAsync("before");
        string lastSeen = (await first.WaitForAlertAsync("before")).GetProperty("id").GetString()!;
        await first.DisposeAsync();

        string[] missed = Enumerable.Range(1, 5).Select(i => $"missed {i}").ToArray();
        foreach (var text in missed)
        {
            await sender.SendAlertAsync(text);
            await sender.WaitForAlertAsync(text);
        }
        var resumeOn = elsewhere ? _syd : _ams;
        await using var resumed = await TestSocket.ConnectAsync(resumeOn.ResumeUri(lastSeen));

        var resume = resumed.OfType("welcome").Single().GetProperty("resume");
        Assert.True(resume.GetProperty("complete").GetBoolean());
        await resumed.WaitForAlertAsync("missed 5");
        var replayed = resumed.OfType("alert").Select(a => a.GetProperty("text").GetString()).Where(t => t != "before").ToArray();
        Assert.Equal(missed, replayed);

        await sender.SendAlertAsync("live again");
        await resumed.WaitForAlertAsync("live again");
        Assert.Equal(missed.Append("live again"), resumed.OfType("alert").Select(a => a.GetProperty("text").GetString()).Where(t => t != "before"));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_window_too_short_for_the_gap_is_reported_and_the_whole_window_replayed()
    {
        await using var sender = await TestSocket.ConnectAsync(_ams.SocketUri);
        await sender.SendAlertAsync("seen");
        string lastSeen = (await sender.WaitForAlertAsync("seen")).GetProperty("id").GetString()!;
        for (int i = 0; i < 25; i++)
            await sender.SendAlertAsync($"flood {i}");
        await sender.WaitForAlertAsync("flood 24");

        await using var resumed = await TestSocket.ConnectAsync(_ams.ResumeUri(lastSeen));

        var resume = resumed.OfType("welcome").Single().GetProperty("resume");
        Assert.False(resume.GetProperty("complete").GetBoolean());
        Assert.Equal(20, resume.GetProperty("replayed").GetInt32());
        await resumed.WaitForAlertAsync("flood 24");
        Assert.Equal(Enumerable.Range(5, 20).Select(i => $"flood {i}"), resumed.OfType("alert").Select(a => a.GetProperty("text").GetString()));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_unknown_since_id_is_reported_as_incomplete()
    {
        await using var client = await TestSocket.ConnectAsync(_syd.ResumeUri("no-such-alert"));

        var resume = client.OfType("welcome").Single().GetProperty("resume");
        Assert.Equal("no-such-alert", resume.GetProperty("since").GetString());
        Assert.False(resume.GetProperty("complete").GetBoolean());
    }

    [Fact(Timeout = 60_000)]
    public async Task An_id_let_go_by_count_resumes_completely_from_the_stamp_heard_after_it()
    {
        // No slack: what the stamp covers is then exact, and a window of 20 lets ids go by count within a second.
        var settings = TestInstance.StandaloneSettings("fra");
        settings["ALERT_WINDOW_SIZE"] = "20";
        settings["RESUME_SLACK_SECONDS"] = "0";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await using var sender = await TestSocket.ConnectAsync(instance.SocketUri);
        await sender.SendAlertAsync("seen");
        string lastId = (await sender.WaitForAlertAsync("seen")).GetProperty("id").GetString()!;
        for (int i = 0; i < 10; i++)
        {
            if (i == 9)
                await Task.Delay(20, TestContext.Current.CancellationToken); // the stamp falls in a later millisecond than the arrival of the alerts before it
            await sender.SendAlertAsync($"flood {i}");
            await sender.WaitForAlertAsync($"flood {i}");
        }
        // The page heard up to flood 9 on its old connection, then was away while 15 more came.
        var heard = DateTimeOffset.Parse(sender.OfType("alert").Last().GetProperty("sentAt").GetString()!);
        string stamp = Guid.CreateVersion7(heard).ToString();
        for (int i = 10; i < 25; i++)
            await sender.SendAlertAsync($"flood {i}");
        await sender.WaitForAlertAsync("flood 24");

        // The id alone: let go, so incomplete, and the whole window.
        await using (var byId = await TestSocket.ConnectAsync(instance.ResumeUri(lastId)))
        {
            var resume = byId.OfType("welcome").Single().GetProperty("resume");
            Assert.False(resume.GetProperty("complete").GetBoolean());
            Assert.Equal(20, resume.GetProperty("replayed").GetInt32());
        }

        // With the stamp after it: complete, from the stamp on.
        await using var resumed = await TestSocket.ConnectAsync(instance.ResumeUri($"{lastId},{stamp}"));
        var report = resumed.OfType("welcome").Single().GetProperty("resume");
        Assert.True(report.GetProperty("complete").GetBoolean());
        Assert.Equal($"{lastId},{stamp}", report.GetProperty("since").GetString());
        await resumed.WaitForAlertAsync("flood 24");
        Assert.Equal(Enumerable.Range(9, 16).Select(i => $"flood {i}"), resumed.OfType("alert").Select(a => a.GetProperty("text").GetString()));

        // An id the instance still holds is resumed from, not the stamp: flood 6 to 24.
        string held = sender.OfType("alert").Single(a => a.GetProperty("text").GetString() == "flood 5").GetProperty("id").GetString()!;
        await using var byHeld = await TestSocket.ConnectAsync(instance.ResumeUri($"{held},{stamp}"));
        var heldReport = byHeld.OfType("welcome").Single().GetProperty("resume");
        Assert.True(heldReport.GetProperty("complete").GetBoolean());
        Assert.Equal(19, heldReport.GetProperty("replayed").GetInt32());
    }

    [Fact(Timeout = 60_000)]
    public async Task Heartbeats_give_every_page_the_fleet_wide_client_count()
    {
        await using var a = await TestSocket.ConnectAsync(_ams.SocketUri);
        await using var b = await TestSocket.ConnectAsync(_syd.SocketUri);
        await using var c = await TestSocket.ConnectAsync(_syd.SocketUri);

        // Heartbeats every 5 s by default: the count converges on 3 clients on 2 instances.
        await a.WaitForAsync("presence", p => p.GetProperty("clients").GetInt32() == 3 && p.GetProperty("instances").GetInt32() == 2, TimeSpan.FromSeconds(20));
        await using var late = await TestSocket.ConnectAsync(_ams.SocketUri);
        var welcome = late.OfType("welcome").Single();
        Assert.Equal(2, welcome.GetProperty("instances").GetInt32());
        Assert.Equal(4, welcome.GetProperty("clients").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        await _ams.DisposeAsync();
        await _syd.DisposeAsync();
        _admin.Dispose();
    }
}
