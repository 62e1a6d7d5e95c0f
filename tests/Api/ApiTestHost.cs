using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Notifications.Api;
using Notifications.Configuration;
using Notifications.Demo;
using Notifications.Identity;
using Notifications.Tests.Infrastructure;
using Serilog;

namespace Notifications.Tests.Api;

/// <summary>
/// The publish API and the demo endpoints alone on real Kestrel (127.0.0.1, port 0), with their settings
/// validated as at boot and a <see cref="FakePublisher"/> for an intake; the server's log goes to the test output.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    public const string Laravel = "laravel-secret-0123456789abcdef";
    public const string LaravelNext = "laravel-secret-NEXT-456789abcdef";
    public const string Ci = "ci-secret-0123456789abcdef-ci";
    public const string HsSecret = "test-secret-of-at-least-thirty-two-bytes!";

    private readonly WebApplication _app;

    private ApiTestHost(WebApplication app, FakePublisher publisher, TestLogSink log)
    {
        _app = app;
        Publisher = publisher;
        Log = log;
        BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUri { get; }
    public HttpClient Http { get; }
    public FakePublisher Publisher { get; }
    public TestLogSink Log { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>Two keys (laravel, with a second secret mid-rotation; ci, limited to public:deploys) unless the settings say otherwise.</summary>
    public static Dictionary<string, string?> DefaultSettings() => new()
    {
        ["PUBLISH_API_KEYS"] = $$"""[{"name":"laravel","secret":"{{Laravel}}"},{"name":"laravel","secret":"{{LaravelNext}}"},{"name":"ci","secret":"{{Ci}}","channels":["public:deploys"]}]""",
        ["AUTH_HS256_SECRET"] = HsSecret,
    };

    public static async Task<ApiTestHost> StartAsync(ITestOutputHelper output, IDictionary<string, string?>? settings = null, FakePublisher? publisher = null)
    {
        settings ??= DefaultSettings();
        publisher ??= new FakePublisher();
        var log = new TestLogSink(output, "api");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(settings.TryGetValue("urls", out var urls) && urls is not null ? urls : "http://127.0.0.1:0");
        builder.Services.AddSerilog(new LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning).WriteTo.Sink(log).CreateLogger(), dispose: true);
        AddSettings(builder.Services, builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SigningKeys>();
        builder.Services.AddSingleton<JwksSource>();
        builder.Services.AddSingleton<TokenValidator>();
        builder.Services.AddSingleton<IChannelPublisher>(publisher);
        builder.Services.AddPublishApi();
        builder.Services.AddDemo(builder.Configuration);
        var app = builder.Build();
        app.MapPublishApi();
        app.MapDemo();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ApiTestHost(app, publisher, log);
    }

    /// <summary>The registrations the host makes for these settings (NotificationsBuilderExtensions, in phase 2), each checked at boot.</summary>
    private static void AddSettings(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublishApiOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublishApiOptions>, PublishApiAnnotationsValidator>();
        services.AddSingleton<IValidateOptions<PublishApiOptions>, PublishApiOptionsValidator>();
        services.AddOptions<DemoOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoAnnotationsValidator>();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>();
        services.AddOptions<AuthOptions>().Bind(configuration).ValidateOnStart();
        services.AddOptions<ConnectionOptions>().Bind(configuration).ValidateOnStart();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
