using System.Net;
using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Settings and look-ups shared by the tests that put the fault-injecting front between instances and the emulator.</summary>
internal static class Fronted
{
    /// <summary>An instance on the emulator through <paramref name="front"/>, beating every second so starvation and presence react fast.</summary>
    public static Dictionary<string, string?> Settings(PubSubEmulator emulator, PubSubFront front, string topic, string region)
    {
        var settings = TestInstance.EmulatorSettings(emulator, topic, region);
        settings["PUBSUB_EMULATOR_HOST"] = front.HostPort;
        settings["HEARTBEAT_SECONDS"] = "1";
        return settings;
    }

    /// <summary>
    /// Waits until <paramref name="instances"/> processes have sent the list call of their start-up cleanup (of
    /// subscriptions their machine's earlier runs left) through <paramref name="front"/>. A fault injected before
    /// that can land on this one-off call, whose failure is a warning of its own by design.
    /// </summary>
    public static Task StartupCleanupPassedAsync(PubSubFront front, int instances) =>
        Eventually.TrueAsync(() => front.Calls("ListTopicSubscriptions") >= instances, $"{instances} start-up cleanups have passed the front");

    /// <summary>The /healthz?strict answer (503 unless Pub/Sub works both ways): its status code, <c>status</c> and <c>detail</c>.</summary>
    public static async Task<(HttpStatusCode Code, string Status, string Detail)> HealthAsync(Uri baseUri)
    {
        var (code, body) = await HealthBodyAsync(baseUri, strict: true);
        return (code, body.GetProperty("status").GetString()!, body.GetProperty("detail").GetString()!);
    }

    /// <summary>The /healthz answer the proxy routes by: its status code and <c>status</c>.</summary>
    public static async Task<(HttpStatusCode Code, string Status)> RoutingAsync(Uri baseUri)
    {
        var (code, body) = await HealthBodyAsync(baseUri);
        return (code, body.GetProperty("status").GetString()!);
    }

    /// <summary>The subscription /healthz names: the full path of the one this process made.</summary>
    public static async Task<string> SubscriptionAsync(Uri baseUri) =>
        (await HealthBodyAsync(baseUri)).Body.GetProperty("subscription").GetString()!;

    /// <summary>
    /// Starts a process with <paramref name="settings"/>, waits until it is healthy, kills it (SIGKILL, so it
    /// deletes nothing) and returns the full path of the subscription it left behind.
    /// </summary>
    public static async Task<string> KilledLeavingAsync(Dictionary<string, string?> settings, ITestOutputHelper output)
    {
        await using var process = ServerProcess.Start(settings, output);
        await process.WaitHealthyAsync();
        string subscription = await SubscriptionAsync(process.BaseUri);
        process.Signal("KILL");
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        return subscription;
    }

    private static async Task<(HttpStatusCode Code, JsonElement Body)> HealthBodyAsync(Uri baseUri, bool strict = false)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(strict ? "/healthz?strict" : "/healthz", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        return (response.StatusCode, body);
    }

    /// <summary>The sum of a metric's samples whose line starts with <paramref name="series"/> (a name, or a name and the start of its labels) on a metrics port.</summary>
    public static async Task<double> MetricAsync(int port, string series)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
        return text.Split('\n').Where(line => line.StartsWith(series, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Texts of the alerts a socket received, duplicates included.</summary>
    public static List<string> AlertTexts(TestSocket socket) =>
        socket.OfType("alert").Select(a => a.GetProperty("text").GetString()!).ToList();

    /// <summary>Waits until every socket holds every text, then checks none holds one twice.</summary>
    public static async Task AssertEachGotEachOnceAsync(IReadOnlyList<TestSocket> sockets, IReadOnlyCollection<string> texts, TimeSpan timeout)
    {
        await Eventually.TrueAsync(() => sockets.All(s => texts.All(AlertTexts(s).Contains)),
            $"every socket holds all {texts.Count} alerts", timeout);
        foreach (var socket in sockets)
        {
            var got = AlertTexts(socket).Where(texts.Contains).ToList();
            Assert.Equal(got.Count, got.Distinct().Count());
        }
    }
}

/// <summary>What an instance logged, as the quiet-log rules of issue 18 see it.</summary>
internal static class LogCheck
{
    private const string SideFailing = "Pub/Sub {Side} failing with {StatusCode}: {Detail}. Retrying with backoff; /healthz reports degraded until it recovers.";

    /// <summary>Warnings and worse.</summary>
    public static List<Serilog.Events.LogEvent> Warnings(TestInstance instance) =>
        instance.Log.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Warning).ToList();

    /// <summary>One warning per side that failed, naming <paramref name="status"/>, nothing else at Warning, no stack trace anywhere; a recovery line per side.</summary>
    public static void AssertOneEpisode(TestInstance instance, Grpc.Core.StatusCode status, params string[] sides)
    {
        var warnings = Warnings(instance);
        Assert.All(warnings, w => Assert.Equal(SideFailing, w.MessageTemplate.Text));
        var failed = warnings.Select(w => w.Properties["Side"].ToString().Trim('"')).ToList();
        Assert.Equal(sides.Order(), failed.Order());
        Assert.All(warnings, w => Assert.Equal(status.ToString(), w.Properties["StatusCode"].ToString().Trim('"')));
        Assert.DoesNotContain(instance.Log.Events, e => e.Exception is not null);
        var recovered = instance.Log.Events.Where(e => e.MessageTemplate.Text.StartsWith("Pub/Sub {Side} recovered")).Select(e => e.Properties["Side"].ToString().Trim('"'));
        Assert.Equal(sides.Order(), recovered.Order());
    }
}
