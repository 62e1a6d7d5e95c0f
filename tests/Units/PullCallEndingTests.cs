using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Notifications.Bus;
using Notifications.Bus.PubSub;
using Notifications.Bus.PubSub.Grpc;
using Notifications.Configuration;
using Notifications.Metrics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Units;

/// <summary>
/// How a pull stream's end is taken, with the real gRPC client over a transport of the test's own. A stream
/// Pub/Sub ends is reported with the status Pub/Sub gave, even when a write of ours met the ended call first: the
/// transport behaves as SocketsHttpHandler does once a server has answered a call and reset its request side
/// (RFC 9113, 8.1), failing a write still pending or made after that as cancelled, which the client calls
/// Cancelled until it has read the answer. Over real sockets that is a race (tests/Faults/RefusalTests lost it
/// now and then); here the write fails first every time. And a restart asked of a stream that ends otherwise
/// leaves the next restart to be done.
/// </summary>
public sealed class PullCallEndingTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow); // call deadlines are taken from it
    private readonly FakeLogger<BusHealth> _healthLog = new();
    private readonly FakeLogger<PubSubBus> _busLog = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly AnsweringPubSub _pubSub = new();
    private readonly BusHealth _health;
    private readonly PubSubBus _bus;

    public PullCallEndingTests()
    {
        var metrics = new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>());
        _health = new BusHealth(_clock, metrics, _healthLog);
        var channel = GrpcChannel.ForAddress("http://pubsub.test", new GrpcChannelOptions { HttpHandler = _pubSub });
        var options = new PubSubOptions { EmulatorHost = "pubsub.test", ProjectId = "test" };
        _bus = new PubSubBus((channel, "test"), options, new InstanceOptions { InstanceId = "m", Region = "ams" }, _health, _clock, metrics, _busLog);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_pull_refused_while_its_open_request_is_written_is_reported_with_the_refusal_not_as_cancelled()
    {
        _pubSub.Pull = AnsweringPubSub.RefuseDuringFirstWrite(StatusCode.Unauthenticated);
        using var stop = new CancellationTokenSource();
        var receiving = _bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, stop.Token);

        // The warning is written just after the side's state changes: wait for the warning.
        await Eventually.TrueAsync(() => _healthLog.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning), "the receive side's failure is logged", TimeSpan.FromSeconds(5));
        var warning = Assert.Single(_healthLog.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal("Unauthenticated", warning.StructuredState!.Single(p => p.Key == "StatusCode").Value);
        Assert.Equal(StatusCode.Unauthenticated, _health.Receive.FailingWith);

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_stream_ended_while_its_acks_are_written_is_reported_with_its_status_not_as_cancelled()
    {
        _pubSub.Pull = AnsweringPubSub.EndAfterOneMessage(StatusCode.Unavailable);
        var relayed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var receiving = _bus.ReceiveAsync((message, _) =>
        {
            relayed.TrySetResult(message.MessageId);
            return ValueTask.CompletedTask;
        }, stop.Token);

        Assert.Equal("m1", await relayed.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await Eventually.TrueAsync(() => _busLog.Collector.GetSnapshot().Any(r => r.Id.Id == 1008), "the stream's end is logged", TimeSpan.FromSeconds(5));
        var ended = _busLog.Collector.GetSnapshot().Single(r => r.Id.Id == 1008);
        Assert.Equal("Unavailable", ended.StructuredState!.Single(p => p.Key == "StatusCode").Value);
        // A routine end of an open stream: no failure.
        Assert.NotEqual(SideState.Failing, _health.Receive.State);
        Assert.DoesNotContain(_healthLog.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_restart_asked_of_a_stream_that_Pub_Sub_then_ends_with_a_status_does_not_swallow_the_next_restart()
    {
        var pulls = new ConcurrentQueue<HeldPull>();
        _pubSub.Pull = AnsweringPubSub.HoldOpen(pulls);
        using var stop = new CancellationTokenSource();
        var receiving = _bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, stop.Token);
        await Eventually.TrueAsync(() => _health.Receive.IsUp, "the first stream is open", TimeSpan.FromSeconds(5));

        _bus.RestartStream("first");
        var first = pulls.Single();
        await Eventually.TrueAsync(() => first.HalfClosed.IsCompletedSuccessfully, "the first restart half-closes the stream", TimeSpan.FromSeconds(5));
        first.End(StatusCode.Unavailable); // Pub/Sub ends it its own way before it ends as asked
        await Eventually.TrueAsync(() => !_health.Receive.IsUp, "the first stream has ended", TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(200)); // through the backoff
            return pulls.Count == 2 && _health.Receive.IsUp;
        }, "the second stream is open", TimeSpan.FromSeconds(5));

        _bus.RestartStream("second");
        var second = pulls.Last();
        await Eventually.TrueAsync(() => second.HalfClosed.IsCompletedSuccessfully, "the second restart half-closes the stream", TimeSpan.FromSeconds(5));
        second.End(StatusCode.OK);
        await Eventually.TrueAsync(() => _busLog.Collector.GetSnapshot().Any(r => r.Id.Id == 1012), "the restart is logged", TimeSpan.FromSeconds(5));
        var restarted = Assert.Single(_busLog.Collector.GetSnapshot(), r => r.Id.Id == 1012);
        Assert.Equal("second", restarted.StructuredState!.Single(p => p.Key == "Reason").Value);

        await stop.CancelAsync();
        await receiving;
    }

    public void Dispose()
    {
        _bus.Dispose();
        _services.Dispose();
    }

    /// <summary>Pub/Sub behind an HTTP/2 handler of our own: CreateSubscription succeeds, StreamingPull does what <see cref="Pull"/> says.</summary>
    private sealed class AnsweringPubSub : HttpMessageHandler
    {
        public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Pull { get; set; } = null!;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.AbsolutePath.EndsWith("/StreamingPull", StringComparison.Ordinal)
                ? Pull(request, cancellationToken)
                : Task.FromResult(Answer([Framed(new Subscription())], StatusCode.OK));

        /// <summary>Refuses the call once the client is writing its open request, and fails that write before the client has the refusal.</summary>
        public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> RefuseDuringFirstWrite(StatusCode status) =>
            async (request, cancellationToken) =>
            {
                var body = new RequestBody(failFrom: 0, holdFirstFailure: true);
                _ = request.Content!.CopyToAsync(body, cancellationToken).ContinueWith(t => t.Exception, TaskScheduler.Default);
                var write = await body.Pending.Task.WaitAsync(cancellationToken);
                write.SetException(new OperationCanceledException()); // the client's continuations run here, before the answer below exists
                return Answer([], status);
            };

        /// <summary>Delivers one message and ends the call with <paramref name="status"/>; the client's acks for it then fail.</summary>
        public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> EndAfterOneMessage(StatusCode status) =>
            (request, cancellationToken) =>
            {
                _ = request.Content!.CopyToAsync(new RequestBody(failFrom: 1, holdFirstFailure: false), cancellationToken).ContinueWith(t => t.Exception, TaskScheduler.Default);
                var response = new StreamingPullResponse
                {
                    ReceivedMessages = { new ReceivedMessage { AckId = "a1", Message = new PubsubMessage { MessageId = "m1", Data = ByteString.CopyFromUtf8("{}") } } },
                };
                return Task.FromResult(Answer([Framed(response)], status));
            };

        /// <summary>Answers each call with one message and holds it open until the test ends it; <paramref name="pulls"/> gets each.</summary>
        public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> HoldOpen(ConcurrentQueue<HeldPull> pulls) =>
            (request, cancellationToken) =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20 };
                var halfClosed = request.Content!.CopyToAsync(new RequestBody(failFrom: int.MaxValue, holdFirstFailure: false), cancellationToken);
                var message = new StreamingPullResponse
                {
                    ReceivedMessages = { new ReceivedMessage { AckId = $"a{pulls.Count}", Message = new PubsubMessage { MessageId = $"m{pulls.Count}", Data = ByteString.CopyFromUtf8("{}") } } },
                };
                var pull = new HeldPull(response, halfClosed, Framed(message));
                response.Content = new StreamContent(pull);
                response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
                pulls.Enqueue(pull);
                return Task.FromResult(response);
            };

        /// <summary>A gRPC answer: <paramref name="messages"/> then <paramref name="status"/> in trailers, or the status alone in the headers (trailers-only).</summary>
        private static HttpResponseMessage Answer(byte[][] messages, StatusCode status)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, Content = new ByteArrayContent(messages.SelectMany(m => m).ToArray()) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            var statusHeaders = messages.Length == 0 ? (HttpHeaders)response.Headers : response.TrailingHeaders;
            statusHeaders.Add("grpc-status", ((int)status).ToString());
            return response;
        }

        private static byte[] Framed(IMessage message)
        {
            var framed = new byte[5 + message.CalculateSize()];
            BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), framed.Length - 5);
            message.WriteTo(framed.AsSpan(5));
            return framed;
        }
    }

    /// <summary>A StreamingPull answered with one message and held open: the body a response reads, ended by <see cref="End"/>.</summary>
    private sealed class HeldPull(HttpResponseMessage response, Task halfClosed, byte[] message) : Stream
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _read;

        /// <summary>Completes when the client half-closes the call, as a restart does.</summary>
        public Task HalfClosed => halfClosed;

        /// <summary>Ends the call with <paramref name="status"/> in its trailers.</summary>
        public void End(StatusCode status)
        {
            response.TrailingHeaders.Add("grpc-status", ((int)status).ToString());
            _ended.TrySetResult();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read < message.Length)
            {
                int n = Math.Min(buffer.Length, message.Length - _read);
                message.AsMemory(_read, n).CopyTo(buffer);
                _read += n;
                return n;
            }
            await _ended.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The request side: writes from number <c>failFrom</c> on fail as cancelled, as once the server has reset it; the first of them held in <see cref="Pending"/>, if asked, until the test fails it.</summary>
    private sealed class RequestBody(int failFrom, bool holdFirstFailure) : Stream
    {
        private int _writes;

        public TaskCompletionSource<TaskCompletionSource> Pending { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_writes++ < failFrom)
                return ValueTask.CompletedTask;
            if (!holdFirstFailure)
                return ValueTask.FromException(new OperationCanceledException());
            var write = new TaskCompletionSource(); // continuations inline: the failure reaches the client at once
            if (!Pending.TrySetResult(write))
                write.SetException(new OperationCanceledException());
            return new ValueTask(write.Task);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
