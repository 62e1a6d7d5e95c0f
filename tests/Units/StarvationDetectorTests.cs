using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Messages;

namespace Notifications.Tests.Units;

public sealed class StarvationDetectorTests
{
    private readonly FakeTimeProvider _clock = new();

    // A heartbeat's stamp, as HeartbeatService stamps it: the wall clock when it is made.
    private long Stamp() => _clock.GetUtcNow().UtcTicks;

    [Fact]
    public void A_published_heartbeat_that_never_comes_back_is_starvation_once_the_bound_passes()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp(), Stamp());

        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.False(detector.IsStarved());
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(detector.IsStarved());
        Assert.False(detector.IsStarved()); // once per episode
    }

    [Fact]
    public void A_wall_clock_stepped_back_does_not_make_a_new_heartbeat_look_heard_already()
    {
        var clock = new SteppedClock(_clock);
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), clock);
        var first = detector.NextStamp();
        detector.Published(clock.GetTimestamp(), first.UtcTicks);
        detector.Heard(first.UtcTicks);

        clock.Step = TimeSpan.FromMinutes(-2); // NTP steps the wall clock back; the monotonic clock goes on
        var second = detector.NextStamp();
        Assert.True(second > first);
        detector.Published(clock.GetTimestamp(), second.UtcTicks);
        detector.Heard(first.UtcTicks); // the newest own heartbeat heard is still the first
        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(detector.IsStarved());

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(clock.GetUtcNow(), detector.NextStamp()); // the wall clock again once it has caught up
    }

    /// <summary>A clock whose wall time can be stepped back, as NTP may, while its monotonic time goes on.</summary>
    private sealed class SteppedClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;
    }

    [Fact]
    public void Hearing_our_own_heartbeat_after_publishing_clears_it()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long sent = Stamp();
        detector.Published(_clock.GetTimestamp(), sent);
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Heard(sent);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void An_echo_heard_before_the_publish_call_returned_clears_it()
    {
        // The race of issue 18: the echo arrives while the publish call is still in flight.
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long started = _clock.GetTimestamp(), sent = Stamp();
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        _clock.Advance(TimeSpan.FromSeconds(2)); // the call returns late
        detector.Published(started, sent);
        detector.Heard(sent);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void A_heartbeat_heard_before_the_unheard_publish_started_does_not_clear_it()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        long heardEarlier = Stamp();
        _clock.Advance(TimeSpan.FromSeconds(1));
        detector.Published(_clock.GetTimestamp(), Stamp());
        detector.Heard(heardEarlier);

        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(detector.IsStarved());
    }

    [Fact]
    public void An_older_heartbeat_redelivered_after_the_publish_does_not_clear_it()
    {
        // A heartbeat of a minute ago comes back now, past its ack deadline, on a stream that brings nothing new.
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        var directory = new FleetDirectory(Options.Create(new InstanceOptions { InstanceId = "self" }), Options.Create(new FleetOptions()), _clock);
        var old = new HeartbeatMessage("self", "ams", 0, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromMinutes(1));
        detector.Published(_clock.GetTimestamp(), Stamp());
        _clock.Advance(TimeSpan.FromSeconds(1));
        directory.Observe(old);
        detector.Heard(directory.OwnNewestHeartbeatSent);

        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.True(detector.IsStarved());
    }

    [Fact]
    public void A_later_heartbeat_heard_clears_an_earlier_one_that_was_lost()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp(), Stamp());
        _clock.Advance(TimeSpan.FromSeconds(5));
        long later = Stamp();
        detector.Published(_clock.GetTimestamp(), later);
        detector.Heard(later);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(detector.IsStarved());
    }

    [Fact]
    public void Our_own_heartbeat_read_back_from_the_topic_is_known_by_the_stamp_it_was_sent_with()
    {
        var directory = new FleetDirectory(Options.Create(new InstanceOptions { InstanceId = "self" }), Options.Create(new FleetOptions()), _clock);
        Assert.Equal(long.MinValue, directory.OwnNewestHeartbeatSent);
        _clock.Advance(TimeSpan.FromTicks(1_234_567));
        var sent = new HeartbeatMessage("self", "ams", 3, _clock.GetUtcNow(), "ID_self_00000001");

        var read = TopicMessageReader.Read(Frames.Heartbeat(sent), "m1", _clock.GetUtcNow(), 280).Heartbeat!;
        directory.Observe(read);
        directory.Observe(new HeartbeatMessage("other", "syd", 1, _clock.GetUtcNow().AddMinutes(1)));
        directory.Observe(sent with { SentAt = sent.SentAt.AddSeconds(-5) });

        Assert.Equal(sent.SentAt.UtcTicks, directory.OwnNewestHeartbeatSent);
    }

    [Fact]
    public void A_reset_forgets_what_was_outstanding()
    {
        var detector = new StarvationDetector(TimeSpan.FromSeconds(15), _clock);
        detector.Published(_clock.GetTimestamp(), Stamp());
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
