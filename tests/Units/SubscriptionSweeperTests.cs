using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notifications.Bus;
using Notifications.Bus.PubSub;
using Notifications.Configuration;
using Notifications.Fleet;
using Notifications.Messages;
using Notifications.Metrics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Units;

/// <summary>
/// The sweeper's decisions on a fake clock, against a fake list of subscriptions: which ones a restarted
/// machine deletes at once, and which ones it sweeps later. The emulator runs the same in BrokerTroubleTests.
/// </summary>
public sealed class SubscriptionSweeperTests : IAsyncLifetime
{
    private const int SweepAfterSeconds = 60;
    private const string Own = "ID_m_00000002";
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeAdmin _admin = new(Own);
    private readonly FakeLogger<SubscriptionSweeper> _log = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly BusHealth _health;
    private readonly FleetDirectory _fleet;
    private readonly SubscriptionSweeper _sweeper;

    public SubscriptionSweeperTests()
    {
        var metrics = new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>());
        var fleetOptions = Options.Create(new FleetOptions { HeartbeatSeconds = 5, SweepAfterSeconds = SweepAfterSeconds });
        _health = new BusHealth(_clock, metrics, NullLogger<BusHealth>.Instance);
        _fleet = new FleetDirectory(Options.Create(new InstanceOptions { InstanceId = "m", Region = "ams" }), fleetOptions, _clock);
        _sweeper = new SubscriptionSweeper(_admin, _health, _fleet, fleetOptions, _clock, metrics, _log);
    }

    public async ValueTask InitializeAsync() => await _sweeper.StartAsync(TestContext.Current.CancellationToken);

    [Fact(Timeout = 10_000)]
    public async Task Once_ready_a_restarted_machine_deletes_its_earlier_lives_subscriptions_at_once_and_nothing_else()
    {
        _admin.Have(Own, "ID_m_00000001", "ID_m", "ID_m_0a1b2c3d_00000001", "ID_n_00000001", "ID_mm_00000001");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Empty(_admin.Deleted); // not before it is ready

        Ready();

        await Eventually.TrueAsync(() => _admin.Deleted.Count == 2, "the two predecessors are deleted", TimeSpan.FromSeconds(5));
        Assert.Equal(["ID_m", "ID_m_00000001"], _admin.Deleted.Order());
        Assert.Equal(2, _log.Collector.GetSnapshot().Count(r => r.Id.Id == 7103));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_failed_cleanup_is_one_warning_and_the_sweep_still_runs()
    {
        _admin.Have(Own, "ID_m_00000001", "ID_d_00000001");
        _admin.Refuse = StatusCode.PermissionDenied;
        Ready();
        await Eventually.TrueAsync(() => _log.Collector.GetSnapshot().Any(r => r.Id.Id == 7104), "the failure is logged", TimeSpan.FromSeconds(5));
        _admin.Refuse = null;

        await RunUntilAsync(() => _admin.Deleted.Count == 2, BeatOwn, "the sweep takes both");
        Assert.Equal(["ID_d_00000001", "ID_m_00000001"], _admin.Deleted.Order());
        var warning = Assert.Single(_log.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Contains("PermissionDenied", warning.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task The_sweep_keeps_every_subscription_a_heartbeat_names_and_takes_the_rest_once_watched_long_enough()
    {
        // n is alive in its second life; o runs a version whose heartbeats name no subscription; d is dead.
        _admin.Have(Own, "ID_n_00000001", "ID_n_00000002", "ID_o", "ID_d_00000001");
        Ready();
        void Beat()
        {
            _fleet.Observe(new HeartbeatMessage("m", "ams", 0, _clock.GetUtcNow(), Own));
            _fleet.Observe(new HeartbeatMessage("n", "syd", 0, _clock.GetUtcNow(), "ID_n_00000002"));
            _fleet.Observe(new HeartbeatMessage("o", "lax", 0, _clock.GetUtcNow()));
        }

        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds - 5), Beat);
        Assert.Empty(_admin.Deleted); // none watched for long enough yet
        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds * 2), Beat);

        await Eventually.TrueAsync(() => _admin.Deleted.Count >= 2, "the sweep takes the unheard ones", TimeSpan.FromSeconds(5));
        Assert.Equal(["ID_d_00000001", "ID_n_00000001"], _admin.Deleted.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task An_instance_that_does_not_hear_its_own_heartbeats_sweeps_nothing_until_it_has_heard_them_a_while()
    {
        // Ready, but deaf: no heartbeat comes back, its own included, so d's silence proves nothing.
        _admin.Have(Own, "ID_d_00000001");
        Ready();
        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds * 3), () => { });
        Assert.Empty(_admin.Deleted);
        Assert.Single(_log.Collector.GetSnapshot(), r => r.Id.Id == 7105);

        // Hearing again: d is swept once this instance has heard its own heartbeats for a liveness window.
        await RunUntilAsync(() => _admin.Deleted.Count == 1, BeatOwn, "the unheard peer is swept");
        Assert.Equal(["ID_d_00000001"], _admin.Deleted);
    }

    /// <summary>
    /// Back from a deaf spell longer than SWEEP_AFTER_SECONDS, a peer heard before it is given a liveness window to be
    /// heard again before it is judged: its heartbeats (every 5 s) were not reaching this instance either.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task Hearing_again_after_a_deaf_spell_a_peer_has_a_liveness_window_to_be_heard_before_it_is_swept()
    {
        _admin.Have(Own, "ID_d_00000001");
        Ready();
        void BeatBoth()
        {
            BeatOwn();
            _fleet.Observe(new HeartbeatMessage("d", "syd", 0, _clock.GetUtcNow(), "ID_d_00000001"));
        }
        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds + 10), BeatBoth); // d watched, and alive
        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds * 2), () => { }); // deaf: nothing comes back

        // Its own heartbeats come back at once, d's first 14 s later: within the liveness window of 15 s.
        int second = 0;
        await RunForAsync(TimeSpan.FromSeconds(SweepAfterSeconds), () =>
        {
            if (second >= 14 && second % 5 == 4)
                BeatBoth();
            else
                BeatOwn();
            second++;
        });
        Assert.Empty(_admin.Deleted);
    }

    private void BeatOwn() => _fleet.Observe(new HeartbeatMessage("m", "ams", 0, _clock.GetUtcNow(), Own));

    private void Ready()
    {
        _health.Subscribed(_clock.GetUtcNow());
        _health.Receive.Up();
    }

    /// <summary>As <see cref="RunForAsync"/>, until <paramref name="done"/> (the sweeper's loop may lag the fake clock on a busy machine).</summary>
    private async Task RunUntilAsync(Func<bool> done, Action beat, string what)
    {
        for (int second = 0; !done(); second++)
        {
            Assert.True(second < SweepAfterSeconds * 20, $"not yet: {what}");
            beat();
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Moves the fake clock on a second at a time, beating each second, letting the sweeper run in between.</summary>
    private async Task RunForAsync(TimeSpan span, Action beat)
    {
        for (var passed = TimeSpan.Zero; passed < span; passed += TimeSpan.FromSeconds(1))
        {
            beat();
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.StopAsync(CancellationToken.None);
        _sweeper.Dispose();
        await _services.DisposeAsync();
    }

    private sealed class FakeAdmin(string own) : ISubscriptionAdmin
    {
        private readonly HashSet<string> _existing = [];
        private readonly List<string> _deleted = [];

        public string OwnSubscriptionId => own;
        public StatusCode? Refuse { get; set; }

        public List<string> Deleted
        {
            get { lock (_deleted) return [.. _deleted]; }
        }

        public void Have(params string[] ids)
        {
            lock (_deleted)
                _existing.UnionWith(ids);
        }

        public Task<IReadOnlyList<string>> ListInstanceSubscriptionsAsync(CancellationToken cancellationToken)
        {
            if (Refuse is { } status)
                throw new RpcException(new Status(status, "refused by the test"));
            lock (_deleted)
                return Task.FromResult<IReadOnlyList<string>>([.. _existing]);
        }

        public Task<bool> DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
        {
            lock (_deleted)
            {
                _deleted.Add(subscriptionId);
                return Task.FromResult(_existing.Remove(subscriptionId));
            }
        }
    }
}
