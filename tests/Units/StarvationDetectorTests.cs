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
        detector.Published();

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
        detector.Published();
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Heard(_clock.GetTimestamp());

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void A_heartbeat_heard_before_the_unheard_publish_does_not_clear_it()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long heardEarlier = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Published();
        detector.Heard(heardEarlier);

        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(detector.IsStarved());
    }

    [Fact]
    public void Nothing_published_is_never_starvation()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.False(detector.IsStarved());
    }
}
