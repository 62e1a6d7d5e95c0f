using Grpc.Core;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Issue 18, point 7: a heartbeat's echo that arrives before its publish call returns is not starvation.</summary>
public sealed class EchoRaceTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task An_echo_that_beats_its_publish_response_never_looks_like_starvation()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        var settings = Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams");
        settings["LOG_LEVEL"] = "Debug"; // stream ends for other reasons are logged at Debug
        await using var instance = await TestInstance.StartAsync(settings, output);
        await instance.WaitReadyAsync();

        // Publishes refused, the stream untouched: nothing is outstanding once the starvation bound (3 s) has passed.
        front.Faults.Refuse("Publish", StatusCode.Unavailable, TimeSpan.FromSeconds(12));
        front.Faults.Delay("Publish", TimeSpan.FromMilliseconds(1500));
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        // One heartbeat gets through, answered 1.5 s late: its echo is back within milliseconds, long before the
        // answer, and no later heartbeat gets through to cover for it. Only its own echo can account for it.
        int refused = front.Refused;
        front.Faults.PassNext("Publish", 1);
        await Eventually.TrueAsync(() => front.Refused > refused + 1, "the one heartbeat let through, and the next refused", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken); // longer than the bound
        output.WriteLine($"{front.Calls("Publish")} publish calls, {front.Refused} refused");

        Assert.DoesNotContain(instance.Log.Events, e => e.MessageTemplate.Text.Contains("looks starved"));
        Assert.DoesNotContain(instance.Log.Events, e => e.MessageTemplate.Text.StartsWith("Restarted the pull stream"));
        await Eventually.TrueAsync(() => instance.IsReady, "ready once publishing gets through again", TimeSpan.FromSeconds(20));
    }
}
