using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>Per-channel resume on another instance: what was missed on each channel asked for, only those, then the live stream.</summary>
public sealed class ChannelResumeTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task A_client_resumes_its_channels_on_another_instance_and_gets_exactly_what_it_missed_there()
    {
        await using var fleet = await ChannelFleet.StartAsync(emulator, output);
        using var admin = new EmulatorAdmin(emulator);
        string token = Tokens.For("x", channels: ["team:*"]);
        await using var sender = await TestSocket.ConnectAsync(fleet.Syd.SocketUri, token: Tokens.For("s", channels: ["team:*"]));
        await sender.SubscribeAsync("team:1");
        await sender.SubscribeAsync("team:2");

        // The same user on the other instance: once it has an alert, that instance has relayed it.
        await using var watcher = await TestSocket.ConnectAsync(fleet.Syd.SocketUri, token: token);
        var first = await TestSocket.ConnectAsync(fleet.Ams.SocketUri, token: token);
        await first.SubscribeAsync("team:1");
        await first.SubscribeAsync("team:2");
        await sender.SendAlertAsync("team:1", "t1-0");
        await sender.SendAlertAsync("team:2", "t2-0");
        await admin.PublishToChannelAsync(fleet.Topic, "user:x", "ux-0");
        string lastTeam1 = (await first.WaitForAlertAsync("t1-0")).GetProperty("id").GetString()!;
        string lastUser = (await first.WaitForAlertAsync("ux-0")).GetProperty("id").GetString()!;
        await first.WaitForAlertAsync("t2-0");
        await first.DisposeAsync();

        string[] missed = ["t1-1", "t1-2", "t1-3"];
        foreach (var text in missed)
            await sender.SendAlertAsync("team:1", text);
        await sender.SendAlertAsync("team:2", "t2-1");
        await admin.PublishToChannelAsync(fleet.Topic, "user:x", "ux-1");
        await sender.WaitForAlertAsync("t1-3");
        await sender.WaitForAlertAsync("t2-1");
        await watcher.WaitForAlertAsync("ux-1");

        await using var resumed = await TestSocket.ConnectAsync(fleet.Syd.SocketUri, token: token);
        var team1 = await resumed.SubscribeAsync("team:1", since: lastTeam1);
        var resume = team1.GetProperty("resume");
        Assert.Equal((true, 3), (resume.GetProperty("complete").GetBoolean(), resume.GetProperty("replayed").GetInt32()));
        await resumed.WaitForAlertAsync("t1-3");
        Assert.Equal(missed, resumed.AlertsOn("team:1").Texts());

        // Its own user channel it is in from the start: the subscribe only resumes it.
        var user = await resumed.SubscribeAsync("user:x", since: lastUser);
        Assert.Equal(1, user.GetProperty("resume").GetProperty("replayed").GetInt32());
        await resumed.WaitForAlertAsync("ux-1");

        await sender.SendAlertAsync("team:1", "t1-live");
        await sender.SendAlertAsync("team:2", "t2-live");
        await resumed.WaitForAlertAsync("t1-live");
        await sender.SendAlertAsync("marker");
        await resumed.WaitForAlertAsync("marker");
        Assert.Equal([.. missed, "t1-live"], resumed.AlertsOn("team:1").Texts());
        Assert.Empty(resumed.AlertsOn("team:2"));
        Assert.Equal(["ux-1"], resumed.AlertsOn("user:x").Texts());
    }
}
