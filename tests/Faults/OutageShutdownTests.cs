using System.Diagnostics;
using Grpc.Core;
using Notifications.Tests.Deploy;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Issue 18, point 8: SIGTERM during or after an outage: publish what it can, delete the subscription, exit in budget, say what could not be done in one line.</summary>
public sealed class OutageShutdownTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    private const int BudgetSeconds = 4;

    [Fact(Timeout = 90_000)]
    public async Task A_stop_during_an_outage_exits_in_budget_and_says_in_one_line_what_it_could_not_do()
    {
        await using var running = await StartAsync();
        var (front, settings, server, client) = (running.Front, running.Settings, running.Server, running.Client);

        front.RefuseEverything(StatusCode.Unauthenticated, TimeSpan.FromMinutes(5));
        for (int i = 0; i < 3; i++)
            await client.SendAlertAsync($"stranded {i}");
        await Eventually.TrueAsync(() => front.Refused >= 3, "the outage is felt");
        var stopwatch = Stopwatch.StartNew();
        server.Signal("TERM");
        await server.WaitForExitAsync(TimeSpan.FromSeconds(BudgetSeconds + 2));

        output.WriteLine($"SIGTERM to exit: {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(BudgetSeconds + 1), $"took {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(0, server.ExitCode);
        var undone = Assert.Single(server.Lines, l => l.Contains("Stopped with work undone"));
        Assert.Contains("3 alerts", undone);
        Assert.Contains("Unauthenticated", undone);
        Assert.Contains("was not deleted", undone);
        Assert.DoesNotContain(server.Lines, l => l.TrimStart().StartsWith("at ")); // no stack trace
        using var admin = new EmulatorAdmin(emulator);
        Assert.NotNull(await admin.GetSubscriptionAsync(settings["FLY_ALLOC_ID"]!));
        await admin.DeleteSubscriptionAsync(settings["FLY_ALLOC_ID"]!);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_stop_while_an_outage_ends_publishes_what_waited_and_deletes_the_subscription()
    {
        await using var running = await StartAsync();
        var (front, settings, server, client) = (running.Front, running.Settings, running.Server, running.Client);
        string topic = settings["PUBSUB_TOPIC"]!;
        await using var listener = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "syd"), output);
        await listener.WaitReadyAsync();
        await using var watcher = await TestSocket.ConnectAsync(listener.SocketUri);

        front.RefuseEverything(StatusCode.Unavailable, TimeSpan.FromSeconds(2));
        for (int i = 0; i < 3; i++)
            await client.SendAlertAsync($"late {i}");
        server.Signal("TERM");
        await server.WaitForExitAsync(TimeSpan.FromSeconds(BudgetSeconds + 2));

        Assert.Equal(0, server.ExitCode);
        for (int i = 0; i < 3; i++)
            await watcher.WaitForAlertAsync($"late {i}");
        Assert.DoesNotContain(server.Lines, l => l.Contains("Stopped with work undone"));
        using var admin = new EmulatorAdmin(emulator);
        Assert.Null(await admin.GetSubscriptionAsync(settings["FLY_ALLOC_ID"]!));
    }

    /// <summary>A server process behind a front, healthy, with a client on it.</summary>
    private async Task<Running> StartAsync()
    {
        var front = await PubSubFront.StartAsync(emulator.HostPort);
        var settings = Fronted.Settings(emulator, front, TestInstance.NewTopic(), "cdg");
        settings["SHUTDOWN_TIMEOUT_SECONDS"] = BudgetSeconds.ToString();
        var server = ServerProcess.Start(settings, output);
        await server.WaitHealthyAsync();
        return new Running(front, settings, server, await TestSocket.ConnectAsync(server.SocketUri));
    }

    private sealed record Running(PubSubFront Front, Dictionary<string, string?> Settings, ServerProcess Server, TestSocket Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            await Front.DisposeAsync();
        }
    }
}
