using System.Buffers.Binary;
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
/// A pull stream that Pub/Sub ends is reported with the status Pub/Sub gave, even when a write of ours met the
/// ended call first. The real gRPC client runs here over a transport that behaves as SocketsHttpHandler does
/// once a server has answered a call and reset its request side (RFC 9113, 8.1): a write still pending or made
/// after that fails as cancelled, and the client calls that Cancelled until it has read the answer. Over real
/// sockets that is a race (tests/Faults/RefusalTests lost it now and then); here the write fails first every time.
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
