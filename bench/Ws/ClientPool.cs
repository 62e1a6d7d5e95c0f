using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Notifications.Bench.Metrics;

namespace Notifications.Bench.Ws;

/// <summary>How a batch of connects went: handshake latency (to the welcome frame), failures by reason, time until all were live.</summary>
internal sealed record ConnectReport(int Attempted, int Live, LatencySummary Handshake, IReadOnlyDictionary<string, int> Failures, TimeSpan UntilAllLive)
{
    public int Failed => Attempted - Live;
    public string FailureText => Failed == 0 ? "" : string.Join(", ", Failures.Select(f => $"{f.Value}× {f.Key}"));
}

/// <summary>
/// A run's client sockets. Source addresses rotate over 127.0.0.2–17, so 18k sockets (and a reconnect
/// storm on top of lingering ones) never run out of ephemeral ports.
/// </summary>
internal sealed class ClientPool(ClientHub hub, int sourceAddresses = 16)
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private int _nextIndex;

    public ClientHub Hub => hub;
    public List<WsClient> Clients { get; } = [];

    /// <summary>One past the highest client index handed out: the size a delivery ledger needs.</summary>
    public int IndexLimit => _nextIndex;

    /// <summary>
    /// Opens <paramref name="count"/> sockets to <paramref name="server"/>. With a <paramref name="rate"/> (connects/s)
    /// the connects are open loop and latency counts from each one's intended start; without, at most
    /// <paramref name="concurrency"/> are in flight and latency counts from each one's actual start.
    /// <paramref name="headersOf"/> gives a client's extra request headers from its index (a connection token).
    /// </summary>
    public async Task<ConnectReport> ConnectAsync(IPEndPoint server, int count, double? rate, int concurrency,
        CancellationToken cancellationToken, int receiveBuffer = 0, string path = "/ws", Func<int, string>? headersOf = null)
    {
        var latency = new Recorder();
        var failures = new ConcurrentDictionary<string, int>();
        var live = new ConcurrentBag<WsClient>();
        using var gate = new SemaphoreSlim(concurrency);
        long t0 = Stopwatch.GetTimestamp(), last = t0;
        var tasks = new List<Task>(count);
        for (int i = 0; i < count; i++)
        {
            long intended = rate is { } r ? t0 + (long)(i * Stopwatch.Frequency / r) : t0;
            while (Stopwatch.GetTimestamp() < intended)
                await Task.Delay(1, cancellationToken);
            if (rate is null)
                await gate.WaitAsync(cancellationToken);
            int index = Interlocked.Increment(ref _nextIndex) - 1;
            tasks.Add(ConnectOneAsync(index, server, Source(index), rate is null ? Stopwatch.GetTimestamp() : intended));
        }
        await Task.WhenAll(tasks);
        var clients = live.OrderBy(c => c.Index).ToList();
        Clients.AddRange(clients);
        return new ConnectReport(count, clients.Count, latency.Merge().Summary(), failures,
            Stopwatch.GetElapsedTime(t0, clients.Count == 0 ? t0 : clients.Max(c => c.LiveTicks)));

        async Task ConnectOneAsync(int index, IPEndPoint server, IPAddress source, long start)
        {
            try
            {
                var (client, failure) = await TryConnectAsync(index, server, source, path, receiveBuffer, cancellationToken, headersOf?.Invoke(index) ?? "");
                if (client is null)
                {
                    failures.AddOrUpdate(failure!, 1, (_, n) => n + 1);
                    return;
                }
                latency.Record((client.LiveTicks - start) * 1_000_000 / Stopwatch.Frequency);
                live.Add(client);
            }
            finally
            {
                if (rate is null)
                    gate.Release();
            }
        }
    }

    /// <summary>
    /// One connect, as a page makes it: to <paramref name="server"/> at <paramref name="path"/>, live once the
    /// welcome has arrived. Returns the client, or null and why not. The client is not added to <see cref="Clients"/>.
    /// </summary>
    public Task<(WsClient? Client, string? Failure)> ConnectOneAsync(IPEndPoint server, string path, CancellationToken cancellationToken)
    {
        int index = Interlocked.Increment(ref _nextIndex) - 1;
        return TryConnectAsync(index, server, Source(index), path, 0, cancellationToken);
    }

    private async Task<(WsClient? Client, string? Failure)> TryConnectAsync(int index, IPEndPoint server, IPAddress source, string path,
        int receiveBuffer, CancellationToken cancellationToken, string headers = "")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        WsClient? client = null;
        try
        {
            client = await WsClient.ConnectAsync(index, server, source, receiveBuffer, hub, timeout.Token, path, headers);
            await client.Live.WaitAsync(timeout.Token);
            return (client, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client?.Abort();
            return (null, Reason(e));
        }
    }

    private IPAddress Source(int index) => IPAddress.Parse($"127.0.0.{2 + index % sourceAddresses}");

    private static string Reason(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        System.Net.Sockets.SocketException s => s.SocketErrorCode.ToString(),
        _ => e.Message,
    };

    /// <summary>Resets every socket at once and forgets them.</summary>
    public void AbortAll()
    {
        foreach (var client in Clients)
            client.Abort();
        Clients.Clear();
    }
}
