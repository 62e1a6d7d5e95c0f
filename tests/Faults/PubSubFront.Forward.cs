using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Notifications.Tests.Faults;

public sealed partial class PubSubFront
{
    private const string ExpectedEnd = "The StreamingPull stream closed for an expected reason and should be recreated.";

    // How long the emulator gets to end a stream the front half-closed before the front cancels it.
    private static readonly TimeSpan UpstreamGrace = TimeSpan.FromSeconds(2);

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "proxy-connection", "authorization",
    };

    /// <summary>A StreamingPull in flight, which the front may end with a status of its choosing.</summary>
    private sealed class OpenStream
    {
        private readonly CancellationTokenSource _cut = new();
        private Ending? _ending;

        public CancellationToken Cut => _cut.Token;
        public Ending? Ended => Volatile.Read(ref _ending);

        public bool End(StatusCode status, string message)
        {
            if (Interlocked.CompareExchange(ref _ending, new Ending(status, message), null) is not null)
                return false;
            _cut.Cancel();
            return true;
        }
    }

    private sealed record Ending(StatusCode Status, string Message);

    /// <summary>Passes one call to the emulator and its answer back, doing to it what <see cref="Faults"/> says.</summary>
    private async Task ForwardAsync(HttpContext context)
    {
        string path = context.Request.Path.Value!;
        string method = path[(path.LastIndexOf('/') + 1)..];
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        if (Refusal(context, method) is { } refusal)
        {
            Interlocked.Increment(ref _refused);
            GrpcWire.RefuseInHeaders(context.Response, refusal.Status, refusal.Message);
            return;
        }
        long key = Interlocked.Increment(ref _nextStream);
        var stream = method == "StreamingPull" ? Open(key) : null;
        try
        {
            await RelayAsync(context, method, stream);
        }
        finally
        {
            _streams.TryRemove(key, out _);
        }
    }

    private (StatusCode Status, string Message)? Refusal(HttpContext context, string method)
    {
        if (Faults.RefusalFor(method) is { } status)
            return (status, $"Refused by the test front ({status}).");
        if (Authorize?.Invoke(context.Request.Headers.Authorization) is { } problem)
            return (StatusCode.Unauthenticated, problem);
        return null;
    }

    private OpenStream Open(long key)
    {
        var stream = new OpenStream();
        _streams[key] = stream;
        if (Faults.Life is { } life)
        {
            var after = life.After + life.Jitter * Random.Shared.NextDouble();
            _ = Task.Delay(after).ContinueWith(_ => stream.End(life.Status, ExpectedEnd), TaskScheduler.Default);
        }
        return stream;
    }

    /// <summary>
    /// Relays the call. When the front ends a stream, or its client goes away, the front half-closes the
    /// emulator's side, as a client ending a stream gracefully does, and still relays what the emulator sends
    /// until it ends: cancelling instead leaves the emulator handing messages to the dead stream until their
    /// ack deadline (10 s), which Google does not do to a stream it ended itself.
    /// </summary>
    private async Task RelayAsync(HttpContext context, string method, OpenStream? stream)
    {
        using var clientGone = new CancellationTokenSource();
        using var noticed = context.RequestAborted.Register(() => clientGone.CancelAfter(Linger));
        using var halfClose = CancellationTokenSource.CreateLinkedTokenSource(clientGone.Token, stream?.Cut ?? default);
        using var abort = new CancellationTokenSource();
        using var graceful = halfClose.Token.Register(() => abort.CancelAfter(UpstreamGrace));
        using var request = Request(context, halfClose.Token);
        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(request, abort.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Trace?.Invoke($"{method}: the emulator did not answer ({e.GetType().Name})");
            End(context, stream, new Ending(StatusCode.Unavailable, "The test front could not reach the emulator."), inHeaders: true);
            return;
        }
        using (response)
        {
            if (Faults.DelayFor(method) is { } delay && delay > TimeSpan.Zero)
                await Task.Delay(delay, context.RequestAborted);
            await CopyAnswerAsync(context, method, response, stream, abort.Token);
        }
    }

    private HttpRequestMessage Request(HttpContext context, CancellationToken halfClose)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_emulator, context.Request.Path.Value))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcWire.StreamingBody(context.Request.Body, halfClose),
        };
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.StartsWith(':') || NotForwarded.Contains(name))
                continue;
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                request.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        return request;
    }

    private async Task CopyAnswerAsync(HttpContext context, string method, HttpResponseMessage response, OpenStream? stream, CancellationToken abort)
    {
        if (response.Headers.Contains("grpc-status"))
        {
            // Trailers-only: the emulator refused the call, or ended a stream the front had half-closed.
            var refused = new Ending((StatusCode)int.Parse(response.Headers.GetValues("grpc-status").First()),
                Uri.UnescapeDataString(response.Headers.TryGetValues("grpc-message", out var m) ? m.First() : ""));
            End(context, stream, refused, inHeaders: true);
            return;
        }
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
                context.Response.Headers[name] = values.ToArray();
        }
        var body = await response.Content.ReadAsStreamAsync(abort);
        try
        {
            while (await GrpcWire.ReadMessageAsync(body, abort) is { } message)
            {
                if (context.RequestAborted.IsCancellationRequested)
                    continue; // the client is gone: drain to the emulator's end, so it stops handing this stream messages
                await context.Response.Body.WriteAsync(message, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            Trace?.Invoke($"{method}: the emulator's answer broke off ({e.GetType().Name})");
            End(context, stream, new Ending(StatusCode.Unavailable, "The test front lost the emulator."), inHeaders: false);
            return;
        }
        var trailers = new Ending(
            (StatusCode)int.Parse(response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.First() : "0"),
            Uri.UnescapeDataString(response.TrailingHeaders.TryGetValues("grpc-message", out var t) ? t.First() : ""));
        End(context, stream, trailers, inHeaders: false);
    }

    /// <summary>Ends the client's call with the front's own status if it ended the stream, else with <paramref name="status"/>.</summary>
    private void End(HttpContext context, OpenStream? stream, Ending status, bool inHeaders)
    {
        if (context.RequestAborted.IsCancellationRequested)
            return;
        if (stream?.Ended is { } ending)
        {
            Interlocked.Increment(ref _streamsEnded);
            Trace?.Invoke($"StreamingPull: ended by the front with {ending.Status}");
            status = ending;
        }
        if (inHeaders && !context.Response.HasStarted)
            GrpcWire.RefuseInHeaders(context.Response, status.Status, status.Message);
        else
            GrpcWire.EndWithTrailers(context.Response, status.Status, status.Message);
    }
}
