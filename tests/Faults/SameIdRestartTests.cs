using System.Diagnostics;
using System.Text.RegularExpressions;
using Notifications.Tests.Deploy;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>
/// Issue 18, "Also": a machine restarted with the same FLY_ALLOC_ID (what `fly machine restart` does), its
/// old stream possibly still open at Pub/Sub for a while (a killed machine's connection is noticed late):
/// everything published after the new process is ready reaches its clients, promptly. Each process subscribes
/// under a name of its own, and deletes its predecessors' subscriptions once it is ready, never before.
/// </summary>
public sealed class SameIdRestartTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    [Theory(Timeout = 120_000)]
    [InlineData("TERM")]
    [InlineData("KILL")]
    public async Task A_machine_restarted_with_the_same_id_gets_everything_published_after_it_is_ready(string signal)
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        front.Linger = TimeSpan.FromSeconds(30);
        string topic = TestInstance.NewTopic();
        var settings = Fronted.Settings(emulator, front, topic, "ams");
        string machine = settings["FLY_ALLOC_ID"]!;
        await using var peer = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await peer.WaitReadyAsync();
        await using var sender = await TestSocket.ConnectAsync(peer.SocketUri);
        var first = ServerProcess.Start(settings, output);
        await first.WaitHealthyAsync();
        string firstSubscription = await Fronted.SubscriptionAsync(first.BaseUri);
        await using (var before = await TestSocket.ConnectAsync(first.SocketUri))
        {
            await sender.SendAlertAsync("before the restart");
            await before.WaitForAlertAsync("before the restart");
        }

        first.Signal(signal);
        await first.WaitForExitAsync(TimeSpan.FromSeconds(15));
        await first.DisposeAsync();
        await using var second = ServerProcess.Start(settings, output);
        await second.WaitHealthyAsync();
        string secondSubscription = await Fronted.SubscriptionAsync(second.BaseUri);
        Assert.NotEqual(firstSubscription, secondSubscription);
        await using var client = await TestSocket.ConnectAsync(second.SocketUri);

        var sent = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 60; i++)
        {
            sent.Add($"after {i}");
            await sender.SendAlertAsync(sent[^1]);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await Eventually.TrueAsync(() => sent.All(Fronted.AlertTexts(client).Contains), "the restarted machine's client has everything", TimeSpan.FromSeconds(30));
        output.WriteLine($"after SIG{signal}: all {sent.Count} alerts reached the restarted machine's client {clock.ElapsedMilliseconds} ms after the first was sent");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the last arrived {clock.ElapsedMilliseconds} ms after the first was sent: some were handed to the dead stream");

        using var admin = new EmulatorAdmin(emulator);
        await Eventually.TrueAsync(async () => (await admin.SubscriptionsOfAsync(machine)).Select(s => s.Name).SequenceEqual([secondSubscription]),
            "the machine has only its new subscription", TimeSpan.FromSeconds(15));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_restarted_machine_is_ready_before_it_deletes_what_its_killed_predecessor_left()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        var settings = Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams");
        string leftover = await Fronted.KilledLeavingAsync(settings, output);
        using var admin = new EmulatorAdmin(emulator);
        // The clean-up's first call, and nothing a start makes, answers only after this (within its 10 s deadline).
        var cleanupHeld = TimeSpan.FromSeconds(6);
        front.Faults.Delay("ListTopicSubscriptions", cleanupHeld);

        var clock = Stopwatch.StartNew();
        await using var second = ServerProcess.Start(settings, output);
        await second.WaitHealthyAsync();
        var ready = clock.Elapsed;
        var atReady = (await admin.SubscriptionsOfAsync(settings["FLY_ALLOC_ID"]!)).Select(s => s.Name).ToList();

        Assert.Contains(leftover, atReady);
        await Eventually.TrueAsync(async () => (await admin.SubscriptionsOfAsync(settings["FLY_ALLOC_ID"]!)).All(s => s.Name != leftover),
            "the predecessor's subscription is deleted", TimeSpan.FromSeconds(30));
        output.WriteLine($"ready {ready.TotalMilliseconds:0} ms after the start; the leftover gone {clock.ElapsedMilliseconds} ms after it (its listing held {cleanupHeld.TotalSeconds} s)");
        string leftoverId = leftover[(leftover.LastIndexOf('/') + 1)..];
        // The process logs the deletion after Pub/Sub has answered it, so the line may trail what the emulator shows.
        await Eventually.TrueAsync(() => second.Lines.Any(l => l.Contains("left by an earlier run of this machine")), "the deletion is logged");
        Assert.Single(second.Lines, l => l.Contains("left by an earlier run of this machine") && l.Contains(leftoverId));
        Assert.DoesNotContain(second.Lines, l => Regex.IsMatch(l, @"\d (WRN|ERR|FTL)\]"));
    }
}
