using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Units;

/// <summary>
/// Shutdown deletes this instance's subscription and leaves none behind: not one whose creation was still
/// in flight when the stop came, and not one the receive loop would make again after the delete.
/// </summary>
public sealed class SubscriptionShutdownTests : IDisposable
{
    private readonly AnsweredBus _fake = new();

    [Fact(Timeout = 30_000)]
    public async Task A_delete_asked_while_the_subscription_is_being_made_waits_for_it_and_deletes_it()
    {
        var creating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var made = new TaskCompletionSource<StatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _fake.PubSub.Admin = (method, _) =>
        {
            if (method != "CreateSubscription")
                return Task.FromResult(StatusCode.OK);
            creating.TrySetResult();
            return made.Task;
        };
        _fake.PubSub.Pull = AnsweringPubSub.EndAtOnce(StatusCode.NotFound);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await creating.Task.WaitAsync(TestContext.Current.CancellationToken);

        var deleting = _fake.Bus.DeleteSubscriptionAsync(TestContext.Current.CancellationToken);
        made.SetResult(StatusCode.OK); // Pub/Sub makes it after the stop began

        Assert.Null(await deleting); // nothing left undone
        Assert.Equal(["CreateSubscription", "DeleteSubscription"], _fake.PubSub.Calls.Where(c => c != "StreamingPull"));
        await stop.CancelAsync();
        await receiving;
    }

    [Fact(Timeout = 30_000)]
    public async Task Once_shutdown_has_deleted_the_subscription_the_receive_loop_does_not_make_it_again()
    {
        // The subscription went missing before the stop: the loop is backing off before making it again.
        _fake.PubSub.Pull = AnsweringPubSub.EndAtOnce(StatusCode.NotFound);
        using var stop = new CancellationTokenSource();
        var receiving = _fake.Bus.ReceiveAsync((_, _) => ValueTask.CompletedTask, () => { }, stop.Token);
        await Eventually.TrueAsync(() => _fake.PubSub.Calls.Count(c => c == "StreamingPull") == 1, "the stream found the subscription missing", TimeSpan.FromSeconds(20));

        Assert.Null(await _fake.Bus.DeleteSubscriptionAsync(TestContext.Current.CancellationToken));
        _fake.Clock.Advance(TimeSpan.FromSeconds(10)); // past the backoff
        // Long enough for a loop that would make it again to have asked: one create comes within milliseconds of its wait ending.
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.Equal(1, _fake.PubSub.Calls.Count(c => c == "CreateSubscription"));
        Assert.Equal(1, _fake.PubSub.Calls.Count(c => c == "DeleteSubscription"));
        await stop.CancelAsync();
        await receiving;
    }

    public void Dispose() => _fake.Dispose();
}
