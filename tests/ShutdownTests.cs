using System.Diagnostics;
using System.Net.WebSockets;
using Notifications.Tests.Deploy;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>A real server process stopped by a signal drains its sockets, deletes its subscription and exits cleanly in budget.</summary>
public sealed class ShutdownTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    private const int ShutdownBudgetSeconds = 10;

    [Theory(Timeout = 90_000)]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_closes_sockets_with_1012_deletes_the_subscription_and_exits_zero(string signal)
    {
        // A shell's background job without job control ignores SIGINT, and the server inherits that (as any program does).
        Assert.False(signal == "INT" && IgnoredHere(2),
            "This test process ignores SIGINT, and so would the server it starts: run the suite in the foreground, or in a shell with job control (set -m).");
        string topic = TestInstance.NewTopic();
        var settings = TestInstance.EmulatorSettings(emulator, topic, "cdg");
        settings["SHUTDOWN_TIMEOUT_SECONDS"] = ShutdownBudgetSeconds.ToString();
        using var admin = new EmulatorAdmin(emulator);
        await using var server = ServerProcess.Start(settings, output);
        await server.WaitHealthyAsync();
        Assert.NotNull(await admin.GetSubscriptionAsync(settings["FLY_ALLOC_ID"]!));
        await using var client = await TestSocket.ConnectAsync(server.SocketUri);

        var stopwatch = Stopwatch.StartNew();
        server.Signal(signal);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownBudgetSeconds));

        output.WriteLine($"SIG{signal} to exit: {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(0, server.ExitCode);
        Assert.Equal((WebSocketCloseStatus)1012, await client.WaitForCloseAsync());
        Assert.Null(await admin.GetSubscriptionAsync(settings["FLY_ALLOC_ID"]!));
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (Linux: the SigIgn mask in /proc/self/status).</summary>
    private static bool IgnoredHere(int signal)
    {
        string? mask = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))?[7..].Trim();
        return mask is not null && (Convert.ToUInt64(mask, 16) & (1UL << (signal - 1))) != 0;
    }

    /// <summary>
    /// The drain's close frame goes out, but this client answers nothing: its socket is cut at the
    /// deadline (1 s here), before its own close grace (2 s) would, and the stop goes on.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_client_that_never_answers_the_close_is_cut_off_at_the_shutdown_deadline()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["SHUTDOWN_TIMEOUT_SECONDS"] = "1";
        await using var server = ServerProcess.Start(settings, output);
        await server.WaitHealthyAsync();
        using var client = await RawClient.UpgradeAsync(server.BaseUri);

        server.Signal("TERM");
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(server.Lines, line => line.Contains("still open at the shutdown deadline"));
        Assert.True(await client.ClosedByServerAsync());
    }
}
