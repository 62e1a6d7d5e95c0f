using Microsoft.Extensions.Time.Testing;
using Notifications.Fleet;

namespace Notifications.Tests.Units;

public sealed class StarvationDetectorTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void A_published_heartbeat_that_never_comes_back_is_starvation_once_the_bound_passes()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp());

        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.False(detector.IsStarved());
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(detector.IsStarved());
        Assert.False(detector.IsStarved()); // once per episode
    }

    [Fact]
    public void Hearing_our_own_heartbeat_after_publishing_clears_it()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp());
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Heard(_clock.GetTimestamp());

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void An_echo_heard_before_the_publish_call_returned_clears_it()
    {
        // The race of issue 18: the echo arrives while the publish call is still in flight.
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long started = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        long heard = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromSeconds(2)); // the call returns late
        detector.Published(started);
        detector.Heard(heard);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void A_heartbeat_heard_before_the_unheard_publish_started_does_not_clear_it()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long heardEarlier = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Published(_clock.GetTimestamp());
        detector.Heard(heardEarlier);

        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(detector.IsStarved());
    }

    [Fact]
    public void A_reset_forgets_what_was_outstanding()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp());
        detector.Reset();

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void Nothing_published_is_never_starvation()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.False(detector.IsStarved());
    }
}
