using Notifications.Tests.Deploy;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Fuzz;

/// <summary>
/// Throws 10,000+ generated frames at a real server process through real sockets while a well-behaved
/// client on another instance listens. The server must stay up, log no error, answer every frame as the
/// protocol says, deliver every valid alert exactly once, and come back near its memory baseline.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class FuzzTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    private const int Connections = 4;
    private const int FramesPerConnection = 2600;

    [Fact(Timeout = 240_000)]
    public async Task The_server_survives_a_storm_of_generated_frames_and_loses_no_valid_alert()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out int given) ? given : Random.Shared.Next();
        output.WriteLine($"fuzz: seed {seed} (FUZZ_SEED={seed} replays this run)");
        string topic = TestInstance.NewTopic();
        var settings = TestInstance.EmulatorSettings(emulator, topic, "fra");
        int metricsPort = PubSubEmulator.FreePort();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (metricsPort.ToString(), "127.0.0.1");
        (settings["ALERT_RATE_PER_SECOND"], settings["ALERT_BURST"]) = ("1000000", "1000000"); // rates are AbuseTests' business
        // The limit the generator makes frames around: small, so frames over it are quick to send.
        settings["WS_MAX_MESSAGE_BYTES"] = FrameGenerator.DefaultMaxBytes.ToString();
        // A leak that grows with traffic would run into this and kill the server, which the test notices.
        settings["DOTNET_GCHeapHardLimit"] = "0xC800000"; // 200 MiB
        await using var target = ServerProcess.Start(settings, output, echo: false);
        await using var listener = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await Task.WhenAll(target.WaitHealthyAsync(), listener.WaitReadyAsync());
        await using var wellBehaved = await TestSocket.ConnectAsync(listener.SocketUri);
        var memory = new ProcessMemory(metricsPort);

        // The baseline is taken after a first, smaller storm: pools, the resume window and the dedup set
        // reach their working size there, so what the main storm adds on top is what grows with traffic.
        await StormAsync(target.SocketUri, seed + 100, FramesPerConnection / 5);
        await WarmUpAsync(target, wellBehaved, "warm-up", 400);
        long baseline = await memory.SettledManagedBytesAsync(0);

        FuzzConnection[] runs;
        try
        {
            runs = await StormAsync(target.SocketUri, seed, FramesPerConnection);
        }
        finally
        {
            foreach (var line in target.Lines.Where(l => l.Contains(" WRN] ") || l.Contains(" ERR] ")).Take(20))
                output.WriteLine("fuzz: target said: " + line);
        }

        var markers = runs.SelectMany(r => r.Delivered).ToList();
        Assert.True(runs.Sum(r => r.Sent) >= 10_000);
        output.WriteLine($"fuzz: {runs.Sum(r => r.Sent)} frames sent; {markers.Count} valid, {runs.Sum(r => r.Errors)} error frames, {runs.Sum(r => r.Closes)} closes; by kind: " +
            string.Join(", ", runs.SelectMany(r => r.Kinds).GroupBy(k => k.Key).Select(g => $"{g.Key} {g.Sum(k => k.Value)}")));
        await Eventually.TrueAsync(() => markers.All(m => Texts(wellBehaved).Contains(m)), "the well-behaved client got every valid alert", TimeSpan.FromSeconds(60));
        var seen = wellBehaved.OfType("alert").Select(a => a.GetProperty("text").GetString()!.Split(' ')[0])
            .Where(t => t.StartsWith($"fz-{seed}.")).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(markers.Count, seen.Count); // nothing delivered that was not valid

        Assert.False(target.HasExited, "the server died");
        await target.WaitHealthyAsync();
        Assert.DoesNotContain(target.Lines, line => line.Contains(" ERR] ") || line.Contains(" FTL] ") || line.Contains("Unhandled exception"));
        // Light traffic afterwards makes the GC run, so the reading is live data rather than the storm's garbage.
        // What legitimately stays: the resume window (1000 alerts) and the dedup set (10,000 ids), a few MiB.
        await WarmUpAsync(target, wellBehaved, "cool-down", 400);
        long after = await memory.SettledManagedBytesAsync(baseline);
        output.WriteLine($"fuzz: managed heap {baseline / 1024} KiB before, {after / 1024} KiB after");
        Assert.True(after < baseline + 16 * 1024 * 1024, $"managed heap grew from {baseline} to {after} bytes");
    }

    private static Task<FuzzConnection[]> StormAsync(Uri uri, int seed, int framesPerConnection) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(c =>
            new FuzzConnection(uri, new FrameGenerator(seed + c), $"{seed}.{c}").RunAsync(framesPerConnection)));

    private static async Task WarmUpAsync(ServerProcess target, TestSocket wellBehaved, string label, int count)
    {
        await using var warm = await TestSocket.ConnectAsync(target.SocketUri);
        for (int i = 0; i < count; i++)
            await warm.SendAlertAsync($"{label} {i}");
        await wellBehaved.WaitForAlertAsync($"{label} {count - 1}", TimeSpan.FromSeconds(60));
    }

    private static HashSet<string> Texts(TestSocket socket) =>
        socket.OfType("alert").Select(a => a.GetProperty("text").GetString()!.Split(' ')[0]).ToHashSet();
}
