using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Bus;
using Notifications.Hosting;
using Serilog.Core;

namespace Notifications.Tests.Infrastructure;

/// <summary>One real server instance in this process: real Kestrel on 127.0.0.1, port 0, its own settings and log.</summary>
public sealed class TestInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestInstance(WebApplication app, TestLogSink log, string instanceId, string region)
    {
        _app = app;
        Log = log;
        InstanceId = instanceId;
        Region = region;
    }

    public string InstanceId { get; }
    public string Region { get; }
    public TestLogSink Log { get; }
    public Uri BaseUri { get; private set; } = null!;
    public Uri SocketUri => new Uri(BaseUri, "/ws").ToWebSocket();

    /// <summary>The socket address for a client resuming after <paramref name="lastId"/>.</summary>
    public Uri ResumeUri(string lastId) => new Uri(BaseUri, $"/ws?since={Uri.EscapeDataString(lastId)}").ToWebSocket();
    public IServiceProvider Services => _app.Services;

    /// <summary>Settings every instance needs on the emulator: its address, the test's topic, an id and region.</summary>
    public static Dictionary<string, string?> EmulatorSettings(PubSubEmulator emulator, string topic, string region) => new()
    {
        ["PUBSUB_EMULATOR_HOST"] = emulator.HostPort,
        ["PUBSUB_PROJECT_ID"] = "notifications-test",
        ["PUBSUB_TOPIC"] = topic,
        ["FLY_ALLOC_ID"] = NewId(),
        ["FLY_REGION"] = region,
        ["METRICS_PORT"] = "0",
        ["ALERT_RATE_PER_SECOND"] = "100000", // functional tests send fast; AbuseTests test the limits
        ["ALERT_BURST"] = "100000",
    };

    /// <summary>Standalone settings; blank values mask any Pub/Sub variables in the test's environment.</summary>
    public static Dictionary<string, string?> StandaloneSettings(string region = "local") => new()
    {
        ["PUBSUB_EMULATOR_HOST"] = "",
        ["PUBSUB_PROJECT_ID"] = "",
        ["GOOGLE_CLOUD_PROJECT"] = "",
        ["GOOGLE_APPLICATION_CREDENTIALS"] = "",
        ["GOOGLE_CREDENTIALS_JSON"] = "",
        ["FLY_ALLOC_ID"] = NewId(),
        ["FLY_REGION"] = region,
        ["METRICS_PORT"] = "0",
        ["ALERT_RATE_PER_SECOND"] = "100000",
        ["ALERT_BURST"] = "100000",
    };

    public static string NewId() => "t" + Guid.NewGuid().ToString("N")[..13];

    public static string NewTopic() => "topic-" + Guid.NewGuid().ToString("N")[..12];

    /// <param name="services">Registrations made after the server's own, which they override (a clock, say).</param>
    public static WebApplication Build(IDictionary<string, string?> settings, ILogEventSink sink, Action<IServiceCollection>? services = null)
    {
        var builder = NotificationsApp.CreateBuilder([]);
        // Port 0 unless the test pins one (to restart an instance on the same address).
        var withUrls = settings.ContainsKey("urls") ? settings : settings.Append(new("urls", "http://127.0.0.1:0"));
        builder.Configuration.AddInMemoryCollection(withUrls);
        builder.Services.AddSingleton(sink);
        builder.AddNotifications();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapNotifications();
        return app;
    }

    public static async Task<TestInstance> StartAsync(IDictionary<string, string?> settings, ITestOutputHelper? output = null,
        Action<IServiceCollection>? services = null)
    {
        string id = settings["FLY_ALLOC_ID"]!, region = settings["FLY_REGION"]!;
        var log = new TestLogSink(output, $"{region}/{id}");
        var app = Build(settings, log, services);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var instance = new TestInstance(app, log, id, region);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        instance.BaseUri = new Uri(address);
        return instance;
    }

    public bool IsReady => Services.GetRequiredService<BusHealth>().IsReady;

    /// <summary>Waits until the instance's subscription is ready, as /healthz?strict would report.</summary>
    public Task WaitReadyAsync() => Eventually.TrueAsync(() => IsReady, $"{Region}/{InstanceId} is ready", TimeSpan.FromSeconds(30));

    /// <summary>True once the server logged that it dropped the topic message with this id.</summary>
    public bool LoggedDroppedMessage(string messageId) =>
        Log.Events.Any(e => e.Properties.TryGetValue("MessageId", out var id) && id.ToString() == $"\"{messageId}\"" && e.Level == Serilog.Events.LogEventLevel.Warning);

    /// <summary>A graceful stop, as on SIGTERM.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}

internal static class UriExtensions
{
    public static Uri ToWebSocket(this Uri uri) =>
        new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" }.Uri;
}
