using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Notifications.Tests.Faults;

/// <summary>
/// A fault-injecting Pub/Sub front: an HTTP/2 gRPC proxy in this process, on 127.0.0.1 and a free port, that
/// passes every call through to the emulator, message by message, and does to them what real Pub/Sub and
/// the networks before it do: ends StreamingPull streams with a status (now, or each a while after it
/// opened), refuses calls by method and status for a window, delays responses, sends GOAWAY, resets
/// connections, or stops answering on them. Plaintext (h2c) like the emulator, or TLS with a given
/// certificate (ALPN h2, HTTP/1.1 for anything else mapped on it, such as a token endpoint).
/// </summary>
public sealed partial class PubSubFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _upstream;
    private readonly Uri _emulator;
    private readonly ConcurrentDictionary<string, (ConnectionContext Connection, FreezableTransport Transport)> _connections = new();
    private readonly ConcurrentDictionary<long, OpenStream> _streams = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private long _nextStream;
    private int _refused;
    private int _streamsEnded;

    private PubSubFront(WebApplication app, string emulatorHostPort)
    {
        _app = app;
        _emulator = new Uri($"http://{emulatorHostPort}");
        _upstream = new HttpMessageInvoker(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false });
    }

    /// <summary>What the front does to calls that start from now on.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Where clients connect: <c>127.0.0.1:port</c>.</summary>
    public string HostPort { get; private set; } = "";

    /// <summary>
    /// When set, every call's <c>authorization</c> header goes through it first; a non-null answer refuses the
    /// call with UNAUTHENTICATED and that message, as Google does with a missing or expired token.
    /// </summary>
    public Func<string?, string?>? Authorize { get; set; }

    /// <summary>
    /// How long the front keeps a StreamingPull open at the emulator after its client vanished without ending
    /// it (a machine killed or cut off): Pub/Sub notices a dead connection only after a while, and meanwhile
    /// hands that stream messages nobody reads. Zero: it notices at once.
    /// </summary>
    public TimeSpan Linger { get; set; }

    /// <summary>Where the front says what it does to each call, for a test that needs to see it.</summary>
    public Action<string>? Trace { get; set; }

    public int Refused => Volatile.Read(ref _refused);
    public int StreamsEnded => Volatile.Read(ref _streamsEnded);
    /// <summary>StreamingPull calls open now and not being ended by the front.</summary>
    public int OpenStreams => _streams.Values.Count(s => s.Ended is null);
    public int Connections => _connections.Count;

    /// <summary>Calls seen of one method (refused ones included).</summary>
    public int Calls(string method) => _calls.GetValueOrDefault(method);

    /// <summary>Starts a front before the emulator at <paramref name="emulatorHostPort"/>; <paramref name="map"/> adds routes of its own (matched before the pass-through).</summary>
    public static async Task<PubSubFront> StartAsync(string emulatorHostPort, X509Certificate2? certificate = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        PubSubFront? front = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A StreamingPull's request body is quiet for long stretches; Kestrel's data-rate floors would cut it.
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = certificate is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
                listen.Use(next => connection => front!.TrackAsync(connection, next));
                if (certificate is not null)
                    listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        front = new PubSubFront(app, emulatorHostPort);
        map?.Invoke(app);
        app.MapFallback(front.ForwardAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        front.HostPort = new Uri(address).Authority;
        return front;
    }

    /// <summary>Ends every open StreamingPull now with <paramref name="status"/>, as Google ends streams now and then.</summary>
    public int EndStreams(StatusCode status, string message = "The StreamingPull stream closed for an expected reason and should be recreated.")
    {
        int ended = 0;
        foreach (var stream in _streams.Values)
            ended += stream.End(status, message) ? 1 : 0;
        return ended;
    }

    /// <summary>Every call refused with <paramref name="status"/> for <paramref name="window"/>: open streams end with it, new calls are refused.</summary>
    public void RefuseEverything(StatusCode status, TimeSpan window)
    {
        Faults.Refuse(FaultPlan.AnyMethod, status, window);
        EndStreams(status, $"Refused by the test front ({status}).");
    }

    /// <summary>Sends GOAWAY on every connection: no new calls there; open ones run on until they end.</summary>
    public void SendGoAway()
    {
        foreach (var (connection, _) in _connections.Values)
            connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
    }

    /// <summary>Resets every connection at once, calls and all.</summary>
    public void DropConnections()
    {
        foreach (var (connection, _) in _connections.Values)
            connection.Abort(new ConnectionAbortedException("Dropped by the test front."));
    }

    /// <summary>Every connection open now stops answering, for good; connections made afterwards work.</summary>
    public void FreezeConnections()
    {
        foreach (var (_, transport) in _connections.Values)
            transport.Freeze();
    }

    private async Task TrackAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var transport = new FreezableTransport(connection.Transport);
        connection.Transport = transport;
        _connections[connection.ConnectionId] = (connection, transport);
        try
        {
            await next(connection);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
            await transport.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropConnections();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
