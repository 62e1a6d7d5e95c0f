using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Configuration;
using Notifications.Pusher.Apps;

namespace Notifications.Hosting;

/// <summary>The lines an operator needs at boot: who this is, where it listens, what carries alerts.</summary>
internal static partial class StartupLog
{
    /// <param name="files">The open-file limits the process runs with, or null where they are not known.</param>
    public static void LogStartup(this WebApplication app, (ulong Soft, ulong Hard)? files)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Notifications.Startup");
        var instance = app.Services.GetRequiredService<IOptions<InstanceOptions>>().Value;
        var pubSub = app.Services.GetRequiredService<IOptions<PubSubOptions>>().Value;
        var bus = app.Services.GetRequiredService<IMessageBus>();
        var pusherApps = app.Services.GetRequiredService<PusherApps>();
        int maxConnections = app.Services.GetRequiredService<IOptions<AdmissionOptions>>().Value.MaxConnections;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Log.Started(logger, instance.InstanceId, instance.Region, string.Join(", ", addresses));
            if (pubSub.Mode == BusMode.Standalone)
                Log.Standalone(logger);
            else
                Log.UsingPubSub(logger, bus.Kind, pubSub.Topic, bus.SubscriptionName!);
            // Past the sockets: Pub/Sub's connections, the metrics endpoint, a storm's half-open handshakes.
            if (files is { } limit && limit.Soft < (ulong)maxConnections + FileHeadroom)
                Log.FewFiles(logger, limit.Soft, limit.Hard, maxConnections);
            foreach (var shortSecret in pusherApps.All.Where(a => a.Secret.IsShort))
                Log.ShortPusherSecret(logger, shortSecret.Id, AppSecret.AdvisedLength);
        });
    }

    private const int FileHeadroom = 256;

    private static partial class Log
    {
        [LoggerMessage(EventId = 5007, Level = LogLevel.Warning,
            Message = "This process may open {Soft} files (hard limit {Hard}), too few for MAX_CONNECTIONS {MaxConnections} sockets and the rest: raise the container's or the system's limit (nofile), or lower MAX_CONNECTIONS.")]
        public static partial void FewFiles(ILogger logger, ulong soft, ulong hard, int maxConnections);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
            Message = "Notifications instance {InstanceId} in region {RegionName} listening on {Addresses}.")]
        public static partial void Started(ILogger logger, string instanceId, string regionName, string addresses);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
            Message = "Running standalone: no PUBSUB_EMULATOR_HOST or Pub/Sub project is set, so alerts reach only this instance's clients.")]
        public static partial void Standalone(ILogger logger);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Information,
            Message = "Alerts travel over {BusKind}: topic {Topic}, subscription {Subscription}.")]
        public static partial void UsingPubSub(ILogger logger, string busKind, string topic, string subscription);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Warning,
            Message = "Pusher app {AppId}'s secret is shorter than {Advised} characters: it can be guessed offline from the channel signatures pages are given. Use {Advised} or more random characters, as Pusher does.")]
        public static partial void ShortPusherSecret(ILogger logger, string appId, int advised);
    }
}
