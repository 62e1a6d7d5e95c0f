using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Tests.Units;

/// <summary>
/// Pub/Sub behind an HTTP/2 handler of our own: StreamingPull does what <see cref="Pull"/> says, every other
/// call (CreateSubscription, DeleteSubscription…) succeeds unless <see cref="Admin"/> answers otherwise.
/// </summary>
internal sealed class AnsweringPubSub : HttpMessageHandler
{
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Pull { get; set; } = null!;

    /// <summary>The status for a call other than StreamingPull, by method name; it may take its time.</summary>
    public Func<string, CancellationToken, Task<StatusCode>>? Admin { get; set; }

    /// <summary>Every call's method name, in the order the calls came.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string path = request.RequestUri!.AbsolutePath;
        string method = path[(path.LastIndexOf('/') + 1)..];
        Calls.Enqueue(method);
        if (method == "StreamingPull")
            return await Pull(request, cancellationToken);
        var status = Admin is null ? StatusCode.OK : await Admin(method, cancellationToken);
        // An empty message answers any of them: a Subscription with no fields and an Empty are the same bytes.
        return status == StatusCode.OK ? Answer([Framed(new Subscription())], status) : Answer([], status);
    }

    /// <summary>Ends every StreamingPull with <paramref name="status"/> at once, its request never read.</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> EndAtOnce(StatusCode status) =>
        (_, _) => Task.FromResult(Answer([], status));

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
    /// <param name="requestSide">Where the client's writes go; by default they all get through.</param>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> HoldOpen(ConcurrentQueue<HeldPull> pulls, Func<Stream>? requestSide = null) =>
        (request, cancellationToken) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20 };
            var halfClosed = request.Content!.CopyToAsync(requestSide?.Invoke() ?? new RequestBody(failFrom: int.MaxValue, holdFirstFailure: false), cancellationToken);
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

    /// <summary>
    /// Takes the call but never its open request: the client's write of it waits until the call is cancelled, as it
    /// waits for a connection that is slow to come. <paramref name="opening"/> completes once it waits.
    /// </summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> StallOpenRequest(TaskCompletionSource opening) =>
        async (request, cancellationToken) =>
        {
            _ = request.Content!.CopyToAsync(new StalledBody(opening), cancellationToken).ContinueWith(t => t.Exception, TaskScheduler.Default);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new UnreachableException();
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
internal sealed class HeldPull(HttpResponseMessage response, Task halfClosed, byte[] message) : OneWayStream
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

    public override bool CanRead => true;
    public override bool CanWrite => false;
}

/// <summary>The request side: writes from number <c>failFrom</c> on fail as cancelled, as once the server has reset it; the first of them held in <see cref="Pending"/>, if asked, until the test fails it.</summary>
internal sealed class RequestBody(int failFrom, bool holdFirstFailure) : OneWayStream
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
    public override bool CanRead => false;
    public override bool CanWrite => true;
}

/// <summary>A request side whose writes after the first <paramref name="passing"/> wait until they are cancelled; <paramref name="stalled"/> completes at the first such.</summary>
internal sealed class StalledBody(TaskCompletionSource stalled, int passing = 0) : OneWayStream
{
    private int _writes;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_writes++ < passing)
            return;
        stalled.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override bool CanRead => false;
    public override bool CanWrite => true;
}

/// <summary>A stream that is read or written only asynchronously and in one direction: the rest of <see cref="Stream"/>, not supported.</summary>
internal abstract class OneWayStream : Stream
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
