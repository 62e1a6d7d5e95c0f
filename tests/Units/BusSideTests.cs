using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Notifications.Bus;
using Notifications.Metrics;

namespace Notifications.Tests.Units;

/// <summary>
/// Publishes overlap (alerts, heartbeats): one that was already on its way when Pub/Sub began refusing may
/// succeed after another has failed, and one that hung through an outage may time out after a later one got
/// through. Either outcome is older news than the other and must not change the side, or health flaps and
/// one outage is logged as two.
/// </summary>
public sealed class BusSideTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FakeLogger<BusHealth> _log = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly BusHealth _health;

    public BusSideTests() =>
        _health = new BusHealth(_clock, new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>()), _log);

    [Fact]
    public void A_stamp_vouches_for_what_arrived_only_while_the_stream_is_up_and_past_what_an_ended_one_had_in_flight()
    {
        _health.RedeliveryWindow = TimeSpan.FromSeconds(15);
        Assert.Null(_health.Stamp(_clock.GetUtcNow())); // no stream yet

        _health.Receive.Up();
        Assert.Equal(_clock.GetUtcNow(), _health.Stamp(_clock.GetUtcNow())); // the boot's first stream had nothing before it

        _health.Receive.Pending("reopening after the stream ended with Unavailable");
        Assert.Null(_health.Stamp(_clock.GetUtcNow()));
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        _health.Receive.Up();
        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Null(_health.Stamp(_clock.GetUtcNow())); // what the ended stream held may still come
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(_clock.GetUtcNow(), _health.Stamp(_clock.GetUtcNow()));

        _health.Receive.Failed(StatusCode.PermissionDenied, "revoked");
        Assert.Null(_health.Stamp(_clock.GetUtcNow()));
    }

    [Fact]
    public void A_publish_that_started_before_a_failure_does_not_end_the_failure_episode()
    {
        long inFlight = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        _health.Publish.Failed(StatusCode.PermissionDenied, "refused");
        _clock.Advance(TimeSpan.FromMilliseconds(5));

        _health.Publish.Succeeded(inFlight);
        Assert.Equal(StatusCode.PermissionDenied, _health.Publish.FailingWith);

        _health.Publish.Failed(StatusCode.PermissionDenied, "refused again");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        _health.Publish.Succeeded(_clock.GetTimestamp());
        Assert.True(_health.Publish.IsUp);

        var lines = _log.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Information).ToList();
        Assert.Single(lines, r => r.Level == LogLevel.Warning);
        var recovered = Assert.Single(lines, r => r.Level == LogLevel.Information);
        Assert.Equal("2", recovered.StructuredState!.Single(p => p.Key == "Failures").Value);
    }

    [Fact]
    public void A_publish_that_started_after_the_last_failure_ends_the_episode()
    {
        _health.Publish.Failed(StatusCode.Unavailable, "down");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        long retry = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(5));

        _health.Publish.Succeeded(retry);

        Assert.True(_health.Publish.IsUp);
    }

    [Fact]
    public void A_publish_that_hung_through_an_outage_and_failed_after_a_later_one_got_through_does_not_start_an_episode()
    {
        long hung = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        _health.Publish.Failed(StatusCode.Unavailable, "down");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        _health.Publish.Succeeded(_clock.GetTimestamp());
        _clock.Advance(TimeSpan.FromSeconds(5));

        _health.Publish.Failed(StatusCode.DeadlineExceeded, "timed out", hung);

        Assert.True(_health.Publish.IsUp);
        var lines = _log.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Information).ToList();
        Assert.Single(lines, r => r.Level == LogLevel.Warning);
        Assert.Single(lines, r => r.Level == LogLevel.Information);
    }

    [Fact]
    public void A_subscription_made_again_marks_until_when_alerts_may_have_been_missed_and_the_first_does_not()
    {
        var first = _clock.GetUtcNow();
        _health.Subscribed(first);
        Assert.Equal(DateTimeOffset.MinValue, _health.MissedUpTo);

        _clock.Advance(TimeSpan.FromMinutes(1));
        _health.SubscriptionLost("deleted under us");
        // At once: no resume from before the loss is complete here, even before the subscription is made again.
        Assert.Equal(_clock.GetUtcNow(), _health.MissedUpTo);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var again = _clock.GetUtcNow();
        _health.Subscribed(again);
        Assert.Equal(again, _health.MissedUpTo);
        Assert.Equal(again, _health.ReceivingSince);
    }

    public void Dispose() => _services.Dispose();
}
