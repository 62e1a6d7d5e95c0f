using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Bus.PubSub;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Connections;
using Notifications.Delivery;
using Notifications.Fleet;
using Notifications.Identity;
using Notifications.Metrics;
using Notifications.Pusher.Hosting;
using Notifications.Transport;

namespace Notifications.Hosting;

public static class NotificationsBuilderExtensions
{
    /// <summary>Everything the server needs: settings, logging, the bus, the connection layer.</summary>
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.ListenOnPort();
        builder.TuneSockets();
        builder.TakeBareSockets();
        builder.AddNotificationsLogging();
        builder.Services.AddNotificationsOptions(builder.Configuration);
        builder.Services.AddNotificationsMetrics();
        builder.Services.AddNotificationsBus(builder.Configuration);
        builder.Services.AddNotificationsDelivery();
        builder.Services.AddNotificationsFleet();
        builder.Services.AddNotificationsIdentity();
        builder.Services.AddNotificationsConnections();
        builder.AddNotificationsPublishApi();
        builder.Services.AddNotificationsPusher();
        return builder;
    }

    /// <summary>Fly's convention: listen on every address at <c>PORT</c> (8080), unless ASPNETCORE_URLS says otherwise.</summary>
    private static void ListenOnPort(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
            return;
        string? raw = builder.Configuration["PORT"];
        int port = 8080;
        if (raw is not null && (!int.TryParse(raw, out port) || port is < 1 or > 65535))
            throw new OptionsValidationException("PORT", typeof(int), [$"PORT must be a TCP port from 1 to 65535, not '{raw}'."]);
        // The metrics endpoint starts first and would take the port, leaving the server to fail on a bare "address in use".
        int metrics = int.TryParse(builder.Configuration["METRICS_PORT"], out int set) ? set : MetricsOptions.DefaultPort;
        if (metrics == port)
            throw new OptionsValidationException("METRICS_PORT", typeof(int), [$"METRICS_PORT and PORT are both {port}: give the metrics endpoint a port of its own, or 0 to turn it off."]);
        builder.WebHost.UseUrls($"http://*:{port}");
    }

    private static void AddNotificationsOptions(this IServiceCollection services, IConfiguration configuration)
    {
        // Each Bind names its options class, so the build generates its binding (no reflection at startup).
        services.AddOptions<InstanceOptions>().Bind(configuration).CheckedAtBoot<InstanceOptions, InstanceOptionsValidator>().PostConfigure(o =>
        {
            if (string.IsNullOrWhiteSpace(o.InstanceId))
                o.InstanceId = InstanceOptions.NewRandomId();
        });
        services.AddOptions<ConnectionOptions>().Bind(configuration).CheckedAtBoot<ConnectionOptions, ConnectionOptionsValidator>();
        services.AddOptions<PubSubOptions>().Bind(configuration).CheckedAtBoot<PubSubOptions, PubSubAnnotationsValidator>();
        services.AddOptions<DeliveryOptions>().Bind(configuration).CheckedAtBoot<DeliveryOptions, DeliveryOptionsValidator>();
        services.AddOptions<FleetOptions>().Bind(configuration).CheckedAtBoot<FleetOptions, FleetAnnotationsValidator>();
        services.AddOptions<AdmissionOptions>().Bind(configuration).CheckedAtBoot<AdmissionOptions, AdmissionOptionsValidator>();
        services.AddOptions<MetricsOptions>().Bind(configuration).CheckedAtBoot<MetricsOptions, MetricsAnnotationsValidator>();
        services.AddOptions<ChannelOptions>().Bind(configuration).CheckedAtBoot<ChannelOptions, ChannelAnnotationsValidator>();
        services.AddOptions<AuthOptions>().Bind(configuration).CheckedAtBoot<AuthOptions, AuthAnnotationsValidator>();
        services.AddOptions<PusherOptions>().Bind(configuration).CheckedAtBoot<PusherOptions, PusherAnnotationsValidator>();
        // A switch needs no validator: a value that is not true or false fails the binding at boot.
        services.AddOptions<TransportOptions>().Bind(configuration).ValidateOnStart();
        // Rules across several settings, run beside the attribute checks (the options system runs every validator).
        services.AddSingleton<IValidateOptions<PubSubOptions>, PubSubOptionsValidator>();
        services.AddSingleton<IValidateOptions<FleetOptions>, FleetOptionsValidator>();
        services.AddSingleton<IValidateOptions<AdmissionOptions>, AllowedOriginsValidator>();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<IValidateOptions<ChannelOptions>, ChannelOptionsValidator>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<IValidateOptions<PusherOptions>, PusherOptionsValidator>();
        services.AddOptions<HostOptions>().Configure<IOptions<InstanceOptions>>((host, instance) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(instance.Value.ShutdownTimeoutSeconds));
        services.AddSingleton(TimeProvider.System);
    }

    /// <summary>
    /// Checks one options class (bound from the flat environment-style keys) with its generated attribute checks,
    /// each failure named by its setting, and does so at boot.
    /// </summary>
    /// <remarks>The annotations keep what DI and <see cref="SettingNames{TOptions}"/> use in a trimmed (Native AOT) build.</remarks>
    internal static OptionsBuilder<TOptions> CheckedAtBoot<[DynamicallyAccessedMembers(
            DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions,
        TValidator>(this OptionsBuilder<TOptions> options)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        options.Services.AddSingleton<IValidateOptions<TOptions>>(new SettingNames<TOptions>(new TValidator()));
        return options.ValidateOnStart();
    }

    private static void AddNotificationsMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<NotificationsMetrics>();
        services.AddHostedService<MetricsEndpointService>();
    }

    private static void AddNotificationsBus(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<BusHealth>();
        var mode = configuration.Get<PubSubOptions>()?.Mode ?? BusMode.Standalone;
        if (mode == BusMode.Standalone)
        {
            services.AddSingleton<IMessageBus, InProcessBus>();
            return;
        }
        services.AddSingleton<PubSubBus>();
        services.AddSingleton<IMessageBus>(provider => provider.GetRequiredService<PubSubBus>());
        services.AddSingleton<ISubscriptionAdmin>(provider => provider.GetRequiredService<PubSubBus>());
        services.AddHostedService<SubscriptionSweeper>();
    }

    // Hosted services stop in reverse order: the publisher flushes its queue before the relay
    // stops receiving and deletes the subscription.
    private static void AddNotificationsDelivery(this IServiceCollection services)
    {
        services.AddSingleton<ShutdownPlan>();
        services.AddSingleton<AlertFanout>();
        services.AddSingleton<IAlertFeed>(s => s.GetRequiredService<AlertFanout>());
        services.AddSingleton<OutboundAlerts>();
        services.AddSingleton<IAlertIntake, ClientAlerts>();
        services.AddHostedService<RelayService>();
        services.AddHostedService<PublisherService>();
    }

    private static void AddNotificationsFleet(this IServiceCollection services)
    {
        services.AddSingleton<FleetDirectory>();
        services.AddSingleton<IFleetPresence>(s => s.GetRequiredService<FleetDirectory>());
        services.AddHostedService<HeartbeatService>();
    }

    /// <summary>Connection tokens: the keys (a JWKS document kept current in the background) and the check.</summary>
    private static void AddNotificationsIdentity(this IServiceCollection services)
    {
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<JwksSource>();
        services.AddHostedService(s => s.GetRequiredService<JwksSource>());
        services.AddSingleton<TokenValidator>();
    }

    private static void AddNotificationsConnections(this IServiceCollection services)
    {
        services.AddSingleton<ChannelPolicy>();
        services.AddSingleton<ChannelIndex<Connection>>();
        services.AddSingleton<AlertBudgets>();
        services.AddSingleton<ConnectionServices>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<SendRings>();
        services.AddSingleton<Welcomes>();
        services.AddSingleton<Admission>();
        services.AddSingleton<ConnectionHost>();
        services.AddSingleton<KestrelSocketEndpoint>();
        services.AddHostedService<KeepAlive>();
        services.AddHostedService<ConnectionDrainService>();
    }
}
