using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Notifications.Configuration;
using Prometheus;

namespace Notifications.Metrics;

/// <summary>
/// Serves Prometheus text at METRICS_HOST:METRICS_PORT/metrics, on a Kestrel of its own so the public port
/// never exposes it. It publishes this host's System.Diagnostics.Metrics meters (ours, Kestrel's, ASP.NET's)
/// and the process-wide ones (the runtime's), plus process figures. Metrics are secondary to delivery: if the
/// port cannot be bound the server says so and goes on serving alerts. A port another process holds is the
/// usual case (instances side by side on one host with the default port), so it is one warning line;
/// any other failure is an error with its exception.
/// </summary>
/// <remarks>
/// The registry is this instance's own, never prometheus-net's static default: the default one starts a
/// second listener on every meter at its first scrape, which counted each alert twice, and in a process
/// holding several hosts (the tests, an embedding app) it would mix their counts. Meters made by another
/// host's factory are left to that host.
/// </remarks>
internal sealed partial class MetricsEndpointService(
    IOptions<MetricsOptions> options, IMeterFactory meterFactory, ILogger<MetricsEndpointService> logger) : IHostedService
{
    private readonly MetricsOptions _options = options.Value;
    private KestrelMetricServer? _server;
    private IDisposable? _meters;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Port == 0)
            return Task.CompletedTask;
        try
        {
            var registry = Prometheus.Metrics.NewCustomRegistry();
            DotNetStats.Register(registry);
            _meters = MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = registry,
                MetricFactory = Prometheus.Metrics.WithCustomRegistry(registry),
                // A meter's scope is the factory that made it; process-wide meters (the runtime's) have none.
                // "Private." meters are the runtime's internal diagnostics (MsQuic's, about 30 series we never use).
                InstrumentFilterPredicate = i => (i.Meter.Scope is null || ReferenceEquals(i.Meter.Scope, meterFactory))
                    && !i.Meter.Name.StartsWith("Private.", StringComparison.Ordinal),
                // Latencies here are milliseconds to seconds: 0.5 ms doubling to about 16 s.
                ResolveHistogramBuckets = _ => Histogram.ExponentialBuckets(0.0005, 2, 16),
                // The adapter drops a series after this long without a measurement and starts it again from zero,
                // which by default (5 minutes) resets the counters of any quiet instance. Our label sets are few
                // and fixed, so keeping them costs nothing; a day is the adapter's limit. Gauges are observed at
                // every scrape, so they never lapse.
                MetricsExpireAfter = TimeSpan.FromDays(1),
            });
            _server = new KestrelMetricServer(_options.Host, _options.Port, MetricsOptions.Path, registry: registry);
            _server.Start();
            Log.Listening(logger, _options.Host, _options.Port, MetricsOptions.Path);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _server = null;
            // Nobody can scrape them: stop aggregating measurements.
            _meters?.Dispose();
            _meters = null;
            if (IsAddressInUse(e))
                Log.PortTaken(logger, _options.Port, _options.Host);
            else
                Log.CannotListen(logger, _options.Host, _options.Port, e);
        }
        return Task.CompletedTask;
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is Microsoft.AspNetCore.Connections.AddressInUseException
                || inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
                return true;
        }
        return false;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
            await _server.StopAsync();
        _meters?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Metrics at http://{Host}:{Port}{Path}.")]
        public static partial void Listening(ILogger logger, string host, int port, string path);

        [LoggerMessage(EventId = 8003, Level = LogLevel.Warning,
            Message = "Metrics are off for this instance: port {Port} is taken on {Host}, likely by another instance on this host. Give each instance its own METRICS_PORT (0 turns metrics off); alerts are not affected.")]
        public static partial void PortTaken(ILogger logger, int port, string host);

        [LoggerMessage(EventId = 8002, Level = LogLevel.Error,
            Message = "The metrics endpoint could not listen on {Host}:{Port}; metrics are unavailable, alerts are not affected. Set METRICS_PORT to a free port (0 turns it off).")]
        public static partial void CannotListen(ILogger logger, string host, int port, Exception exception);
    }
}
