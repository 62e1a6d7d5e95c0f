using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Checker;

/// <summary>
/// In the style of Jepsen's queue checks: many clients on three instances send numbered alerts while
/// each instance is replaced in turn (same address, new machine id, as a deploy does). Afterwards
/// every client must hold every accepted alert exactly once (after dropping repeated ids, as the page does).
/// Lost and duplicated counts are reported; CHECKER_DEBUG=1 turns on the servers' debug logs.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class DeliveryCheckerTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    private const int Clients = 9;
    private const int AlertsPerClient = 40;
    private static readonly string[] Regions = ["ams", "syd", "lax"];

    [Fact(Timeout = 180_000)]
    public async Task Every_client_gets_every_alert_exactly_once_while_instances_restart()
    {
        string topic = TestInstance.NewTopic();
        var settings = Regions.Select(region =>
        {
            var s = TestInstance.EmulatorSettings(emulator, topic, region);
            s["urls"] = $"http://127.0.0.1:{PubSubEmulator.FreePort()}";
            if (Environment.GetEnvironmentVariable("CHECKER_DEBUG") == "1")
                s["LOG_LEVEL"] = "Debug";
            return s;
        }).ToArray();
        var instances = await Task.WhenAll(settings.Select(s => TestInstance.StartAsync(s, output)));
        await Task.WhenAll(instances.Select(i => i.WaitReadyAsync()));
        Uri[] Addresses(int _) => instances.Select(i => i.SocketUri).ToArray();
        var clients = Enumerable.Range(0, Clients).Select(n => new CheckerClient(n, Addresses)).ToArray();
        var ct = TestContext.Current.CancellationToken;
        var stop = new TaskCompletionSource();
        var running = Task.WhenAll(clients.Select(c => c.RunAsync(AlertsPerClient, TimeSpan.FromMilliseconds(40), stop.Task, ct)));
        try
        {
            for (int i = 0; i < instances.Length; i++)
                instances[i] = await RestartAsync(instances[i], settings[i], after: TimeSpan.FromMilliseconds(400));
            await Task.WhenAll(clients.Select(c => c.SentAll)).WaitAsync(TimeSpan.FromSeconds(60), ct);

            var expected = clients.SelectMany(c => c.Accepted).ToHashSet();
            try
            {
                await Eventually.TrueAsync(() => clients.All(c => expected.IsSubsetOf(Texts(c).ToHashSet())),
                    "every client holds every accepted alert", TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Report below says who lost what.
            }
            Report(clients, expected);
        }
        finally
        {
            stop.TrySetResult();
            await running.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ContinueWith(_ => { }, CancellationToken.None);
            foreach (var client in clients)
                await client.DisposeAsync();
            foreach (var instance in instances)
                await instance.DisposeAsync();
        }
    }

    private async Task<TestInstance> RestartAsync(TestInstance instance, Dictionary<string, string?> settings, TimeSpan after)
    {
        await Task.Delay(after, TestContext.Current.CancellationToken);
        await instance.StopAsync();
        await instance.DisposeAsync();
        // Same address, new machine id: what `fly deploy` does (it replaces machines). Reusing the id, as
        // `fly machine restart` does, strands messages on the predecessor's stream in a busy emulator; see
        // the note in docs/benchmarks.md.
        settings["FLY_ALLOC_ID"] = TestInstance.NewId();
        var restarted = await TestInstance.StartAsync(settings, output);
        await restarted.WaitReadyAsync();
        return restarted;
    }

    private static IEnumerable<string> Texts(CheckerClient client) => client.Alerts.Select(a => a.GetProperty("text").GetString()!);

    private void Report(CheckerClient[] clients, HashSet<string> expected)
    {
        int lost = 0, duplicateFrames = 0, reconnects = 0, incomplete = 0;
        foreach (var client in clients)
        {
            var texts = Texts(client).ToList();
            var missing = expected.Where(t => !texts.Contains(t)).ToList();
            if (missing.Count > 0)
            {
                var ids = clients.SelectMany(c => c.Alerts).Where(a => missing.Contains(a.GetProperty("text").GetString()!))
                    .Select(a => $"{a.GetProperty("text").GetString()}={a.GetProperty("id").GetString()}").Distinct().Take(20);
                output.WriteLine($"checker: client {client.Number} ({client.Reconnects} reconnects) misses {missing.Count}: {string.Join(", ", ids)}");
            }
            lost += missing.Count;
            duplicateFrames += texts.Count - texts.Distinct().Count();
            reconnects += client.Reconnects;
            incomplete += client.IncompleteResumes;
        }
        output.WriteLine($"checker: {clients.Length} clients, {expected.Count} alerts accepted, {reconnects} reconnects, " +
            $"{incomplete} incomplete resumes, lost {lost}, duplicate frames {duplicateFrames} (dropped by id on screen)");
        Assert.True(reconnects >= 3, $"the restarts should have moved clients ({reconnects} reconnects)");
        // An incomplete resume is reported, not failed: it is the server truthfully saying it cannot prove
        // coverage (the client landed on an instance subscribed less than RESUME_SLACK_SECONDS before the
        // client's last alert), and it then replays its whole window, which here holds the entire run.
        Assert.Equal(0, lost);
        Assert.Equal(Clients * AlertsPerClient, expected.Count);
    }
}
