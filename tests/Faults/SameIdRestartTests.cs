using System.Diagnostics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>
/// Issue 18, "Also": a machine restarted with the same FLY_ALLOC_ID (what `fly machine restart` does), its
/// old stream possibly still open at Pub/Sub for a while (a killed machine's connection is noticed late):
/// everything published after the new process is ready reaches its clients, promptly.
/// </summary>
public sealed class SameIdRestartTests(PubSubEmulator emulator, ITestOutputHelper output)
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
        await using var peer = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await peer.WaitReadyAsync();
        await using var sender = await TestSocket.ConnectAsync(peer.SocketUri);
        var first = ServerProcess.Start(settings, output);
        await first.WaitHealthyAsync();
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
    }
}
