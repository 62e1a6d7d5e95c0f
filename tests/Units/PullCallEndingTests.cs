using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Notifications.Bus;
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
    private readonly AnsweredBus _fake = new();

    [Fact(Timeout = 10_000)]
    public async Task A_pull_refused_while_its_open_request_is_written_is_reported_with_the_refusal_not_as_cancelled()
    {
        _fake.PubSub.Pull = AnsweringPubSub.RefuseDuringFirstWrite(StatusCode.Unauthenticated);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);

        // The warning is written just after the side's state changes: wait for the warning.
        await Eventually.TrueAsync(() => _fake.HealthLog.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning), "the receive side's failure is logged", TimeSpan.FromSeconds(5));
        var warning = Assert.Single(_fake.HealthLog.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal("Unauthenticated", warning.StructuredState!.Single(p => p.Key == "StatusCode").Value);
        Assert.Equal(StatusCode.Unauthenticated, _fake.Health.Receive.FailingWith);

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_stream_ended_while_its_acks_are_written_is_reported_with_its_status_not_as_cancelled()
    {
        _fake.PubSub.Pull = AnsweringPubSub.EndAfterOneMessage(StatusCode.Unavailable);
        var relayed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        string? handed = null;
        // The fan-out of what the response brought is due once it is all handed over, before the acks.
        var receiving = _fake.Bus.ReceiveAsync((message, _) =>
        {
            handed = message.MessageId;
            return ValueTask.CompletedTask;
        }, () => relayed.TrySetResult(handed ?? "nothing handed over"), stop.Token);

        Assert.Equal("m1", await relayed.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await Eventually.TrueAsync(() => _fake.BusLog.Collector.GetSnapshot().Any(r => r.Id.Id == 1008), "the stream's end is logged", TimeSpan.FromSeconds(5));
        var ended = _fake.BusLog.Collector.GetSnapshot().Single(r => r.Id.Id == 1008);
        Assert.Equal("Unavailable", ended.StructuredState!.Single(p => p.Key == "StatusCode").Value);
        // A routine end of an open stream: no failure.
        Assert.NotEqual(SideState.Failing, _fake.Health.Receive.State);
        Assert.DoesNotContain(_fake.HealthLog.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task An_open_stream_ended_with_a_status_Pub_Sub_does_not_end_streams_with_is_a_failure_not_a_routine_end()
    {
        _fake.PubSub.Pull = AnsweringPubSub.EndAfterOneMessage(StatusCode.PermissionDenied);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);

        // The message confirmed the stream as open; its end with PermissionDenied is then the warning of a failure.
        await Eventually.TrueAsync(() => _fake.HealthLog.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning), "the receive side's failure is logged", TimeSpan.FromSeconds(5));
        Assert.Equal(StatusCode.PermissionDenied, _fake.Health.Receive.FailingWith);
        Assert.DoesNotContain(_fake.BusLog.Collector.GetSnapshot(), r => r.Id.Id == 1008); // not logged as a routine end

        await stop.CancelAsync();
        await receiving;
    }

    [Theory(Timeout = 10_000)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.OK)]
    public async Task Streams_that_keep_ending_within_seconds_of_opening_are_a_failure_until_one_lasts(StatusCode status)
    {
        var pulls = new ConcurrentQueue<HeldPull>();
        _fake.PubSub.Pull = AnsweringPubSub.HoldOpen(pulls);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);

        // Five streams open (their message confirms each) and end half a second later, as Google ends streams: with a status, or none.
        for (int i = 1; i <= 5; i++)
        {
            int opened = i;
            await Eventually.TrueAsync(() =>
            {
                if (pulls.Count < opened)
                    _fake.Clock.Advance(TimeSpan.FromMilliseconds(20)); // through the backoff
                return pulls.Count == opened && _fake.Health.Receive.IsUp;
            }, $"stream {opened} is open", TimeSpan.FromSeconds(5));
            _fake.Clock.Advance(TimeSpan.FromMilliseconds(500));
            pulls.Last().End(status);
        }
        // The warning is written just after the side's state changes: wait for the warning.
        await Eventually.TrueAsync(() => _fake.HealthLog.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning), "the receive side's failure is logged", TimeSpan.FromSeconds(5));
        Assert.Equal(status, _fake.Health.Receive.FailingWith);
        var warning = Assert.Single(_fake.HealthLog.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("streams keep ending within 1 s", warning.Message);
        Assert.Equal(4, _fake.BusLog.Collector.GetSnapshot().Count(r => r.Id.Id == 1008)); // the first four were routine ends

        // The next stream's message no longer counts it open: a second of life does.
        await Eventually.TrueAsync(() =>
        {
            if (pulls.Count < 6)
                _fake.Clock.Advance(TimeSpan.FromMilliseconds(20));
            return pulls.Count == 6;
        }, "stream 6 is opened", TimeSpan.FromSeconds(5));
        var opened6 = _fake.Clock.GetUtcNow();
        await Eventually.TrueAsync(() =>
        {
            if (!_fake.Health.Receive.IsUp)
                _fake.Clock.Advance(TimeSpan.FromMilliseconds(100));
            return _fake.Health.Receive.IsUp;
        }, "a stream that lasts is open", TimeSpan.FromSeconds(5));
        Assert.True(_fake.Clock.GetUtcNow() - opened6 >= TimeSpan.FromMilliseconds(900), $"open after {(_fake.Clock.GetUtcNow() - opened6).TotalMilliseconds} ms");

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_restart_asked_of_a_stream_that_Pub_Sub_then_ends_with_a_status_does_not_swallow_the_next_restart()
    {
        var pulls = new ConcurrentQueue<HeldPull>();
        _fake.PubSub.Pull = AnsweringPubSub.HoldOpen(pulls);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await Eventually.TrueAsync(() => _fake.Health.Receive.IsUp, "the first stream is open", TimeSpan.FromSeconds(5));

        _fake.Bus.RestartStream("first");
        var first = pulls.Single();
        await Eventually.TrueAsync(() => first.HalfClosed.IsCompletedSuccessfully, "the first restart half-closes the stream", TimeSpan.FromSeconds(5));
        first.End(StatusCode.Unavailable); // Pub/Sub ends it its own way before it ends as asked
        // The log, not the receive side's state: the stream may be reopened before a poll sees the side down. Ended
        // with a status of its own, it still ended as asked.
        await Eventually.TrueAsync(() => _fake.BusLog.Collector.GetSnapshot().Any(r => r.Id.Id == 1012), "the first stream's end is logged", TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(_fake.BusLog.Collector.GetSnapshot(), r => r.Id.Id == 1008);
        await Eventually.TrueAsync(() =>
        {
            _fake.Clock.Advance(TimeSpan.FromMilliseconds(200)); // through the backoff
            return pulls.Count == 2 && _fake.Health.Receive.IsUp;
        }, "the second stream is open", TimeSpan.FromSeconds(5));

        _fake.Bus.RestartStream("second");
        var second = pulls.Last();
        await Eventually.TrueAsync(() => second.HalfClosed.IsCompletedSuccessfully, "the second restart half-closes the stream", TimeSpan.FromSeconds(5));
        second.End(StatusCode.OK);
        await Eventually.TrueAsync(() => _fake.BusLog.Collector.GetSnapshot().Count(r => r.Id.Id == 1012) == 2, "the restart is logged", TimeSpan.FromSeconds(5));
        var restarted = _fake.BusLog.Collector.GetSnapshot().Where(r => r.Id.Id == 1012).Select(r => r.StructuredState!.Single(p => p.Key == "Reason").Value);
        Assert.Equal(["first", "second"], restarted);

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_restart_asked_while_the_next_stream_is_being_opened_restarts_that_stream()
    {
        var pulls = new ConcurrentQueue<HeldPull>();
        var holdOpen = AnsweringPubSub.HoldOpen(pulls);
        var opening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stall = AnsweringPubSub.StallOpenRequest(opening);
        int calls = 0;
        // The second stream's open request waits, as it does for a connection that is slow to come; the others open.
        _fake.PubSub.Pull = (request, token) => Interlocked.Increment(ref calls) == 2 ? stall(request, token) : holdOpen(request, token);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await Eventually.TrueAsync(() => _fake.Health.Receive.IsUp, "the first stream is open", TimeSpan.FromSeconds(5));
        pulls.Single().End(StatusCode.Unavailable);
        await Eventually.TrueAsync(() =>
        {
            _fake.Clock.Advance(TimeSpan.FromMilliseconds(200)); // through the backoff
            return opening.Task.IsCompleted;
        }, "the second stream is being opened", TimeSpan.FromSeconds(5));

        // Asked of the stream being opened, not of the one before it: that stream is given up and the next one opens.
        _fake.Bus.RestartStream("while opening");
        await Eventually.TrueAsync(() => pulls.Count == 2 && _fake.Health.Receive.IsUp, "the third stream is open", TimeSpan.FromSeconds(5));
        var restarted = Assert.Single(_fake.BusLog.Collector.GetSnapshot(), r => r.Id.Id == 1012);
        Assert.Equal("while opening", restarted.StructuredState!.Single(p => p.Key == "Reason").Value);

        // And the next restart is not swallowed.
        _fake.Bus.RestartStream("after");
        var third = pulls.Last();
        await Eventually.TrueAsync(() => third.HalfClosed.IsCompletedSuccessfully, "the next restart half-closes the stream", TimeSpan.FromSeconds(5));
        third.End(StatusCode.OK);
        await Eventually.TrueAsync(() => _fake.BusLog.Collector.GetSnapshot().Count(r => r.Id.Id == 1012) == 2, "the next restart is logged", TimeSpan.FromSeconds(5));

        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_restart_of_a_stream_whose_ack_write_is_stuck_cancels_it_after_the_grace()
    {
        var pulls = new ConcurrentQueue<HeldPull>();
        var acking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = AnsweringPubSub.HoldOpen(pulls, () => new StalledBody(acking, passing: 1));
        var open = AnsweringPubSub.HoldOpen(pulls);
        int calls = 0;
        // The first stream takes its open request, then its acks wait, as behind a connection that stopped moving.
        _fake.PubSub.Pull = (request, token) => Interlocked.Increment(ref calls) == 1 ? stuck(request, token) : open(request, token);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await acking.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        // The writer stays busy, so there is no half-close: once the grace is over the stream is cancelled and the next opens.
        _fake.Bus.RestartStream("stuck");
        await Eventually.TrueAsync(() =>
        {
            _fake.Clock.Advance(TimeSpan.FromMilliseconds(200));
            return pulls.Count == 2 && _fake.Health.Receive.IsUp;
        }, "the next stream is open", TimeSpan.FromSeconds(5));
        var restarted = Assert.Single(_fake.BusLog.Collector.GetSnapshot(), r => r.Id.Id == 1012);
        Assert.Equal("stuck", restarted.StructuredState!.Single(p => p.Key == "Reason").Value);

        await stop.CancelAsync();
        await receiving;
    }

    public void Dispose() => _fake.Dispose();
}
