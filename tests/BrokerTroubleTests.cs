using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Notifications.Tests.Deploy;
using Notifications.Tests.Faults;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>Pub/Sub going away, coming back empty, or losing a subscription: sockets stay open and the instance heals itself.</summary>
public sealed class BrokerTroubleTests(PubSubEmulator emulator, ITestOutputHelper output) : IClassFixture<ImageServer>
{
    [Fact(Timeout = 120_000)]
    public async Task The_emulator_killed_and_restarted_mid_stream_degrades_health_then_everything_recovers()
    {
        int port = PubSubEmulator.FreePort();
        var own = PubSubEmulator.StartOwn(port);
        try
        {
            await PubSubEmulator.WaitListeningAsync(port, TimeSpan.FromSeconds(60), own);
            var settings = TestInstance.EmulatorSettings(emulator, TestInstance.NewTopic(), "ams");
            settings["PUBSUB_EMULATOR_HOST"] = $"127.0.0.1:{port}";
            settings["PUBLISH_BUFFER"] = "3";
            await using var instance = await TestInstance.StartAsync(settings, output);
            await instance.WaitReadyAsync();
            await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
            await client.SendAlertAsync("before the outage");
            await client.WaitForAlertAsync("before the outage");

            own.Kill(entireProcessTree: true);
            await own.WaitForExitAsync(TestContext.Current.CancellationToken);
            await Eventually.TrueAsync(async () => await HealthAsync(instance) is (HttpStatusCode.ServiceUnavailable, "degraded"), "health reports degraded", TimeSpan.FromSeconds(30));
            const int DuringOutage = 8;
            for (int i = 0; i < DuringOutage; i++)
                await client.SendAlertAsync($"during the outage {i}");
            // A buffer of 3 holds three; the rest are refused at once, each with an error frame.
            await Eventually.TrueAsync(() => client.OfType("error").Count() == DuringOutage - 3, "the overflow was refused");

            own = PubSubEmulator.StartOwn(port); // a fresh emulator: no topic, no subscription
            await PubSubEmulator.WaitListeningAsync(port, TimeSpan.FromSeconds(60), own);

            for (int i = 0; i < 3; i++)
                await client.WaitForAlertAsync($"during the outage {i}", TimeSpan.FromSeconds(45));
            Assert.All(client.OfType("error"), e => Assert.Equal("publish_failed", e.GetProperty("code").GetString()));
            Assert.Equal(3, client.OfType("alert").Count(a => a.GetProperty("text").GetString()!.StartsWith("during the outage")));
            Assert.Equal((HttpStatusCode.OK, "ready"), await HealthAsync(instance));
            Assert.Null(client.CloseStatus);
            await client.SendAlertAsync("after the outage");
            await client.WaitForAlertAsync("after the outage");
        }
        finally
        {
            own.Kill(entireProcessTree: true);
            own.Dispose();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_subscription_deleted_from_outside_is_recreated_and_alerts_flow_again()
    {
        string topic = TestInstance.NewTopic();
        await using var instance = await TestInstance.StartAsync(TestInstance.EmulatorSettings(emulator, topic, "ams"), output);
        await instance.WaitReadyAsync();
        using var admin = new EmulatorAdmin(emulator);
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);

        await admin.DeleteSubscriptionAsync(instance.InstanceId);

        await Eventually.TrueAsync(async () => await admin.GetSubscriptionAsync(instance.InstanceId) is not null
            && instance.Log.Events.Any(e => e.MessageTemplate.Text.Contains("no longer exists")), "the subscription is recreated", TimeSpan.FromSeconds(30));
        await instance.WaitReadyAsync();
        await client.SendAlertAsync("after recreation");
        await client.WaitForAlertAsync("after recreation", TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Pub/Sub keeps a deleted topic's subscriptions, attached to <c>_deleted-topic_</c>: their streams open and stay
    /// silent, even once a topic of the same name is made again. The instance notices (its own heartbeats do not come
    /// back, or a publish finds no topic), makes its subscription again on the topic (and the topic, if it is gone),
    /// and alerts flow; resumes from before say they may have missed some.
    /// </summary>
    [Theory(Timeout = 90_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_topic_deleted_under_the_instances_is_noticed_and_they_subscribe_to_it_again(bool madeAgainByOperator)
    {
        string topic = TestInstance.NewTopic();
        var settings = TestInstance.EmulatorSettings(emulator, topic, "ams");
        settings["HEARTBEAT_SECONDS"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);
        await instance.WaitReadyAsync();
        using var admin = new EmulatorAdmin(emulator);
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        await client.SendAlertAsync("before");
        string before = (await client.WaitForAlertAsync("before")).GetProperty("id").GetString()!;

        await admin.DeleteTopicAsync(topic);
        if (madeAgainByOperator)
            await admin.CreateTopicAsync(topic);

        await Eventually.TrueAsync(() => instance.Log.Events.Any(e => e.MessageTemplate.Text.Contains("the topic was deleted")),
            "the detached subscription is noticed", TimeSpan.FromSeconds(30));
        await instance.WaitReadyAsync();
        var subscription = await admin.GetSubscriptionAsync(instance.InstanceId);
        Assert.Equal(EmulatorAdmin.TopicPath(topic), subscription?.Topic);
        await client.SendAlertAsync("after");
        await client.WaitForAlertAsync("after", TimeSpan.FromSeconds(30));
        Assert.Null(client.CloseStatus);
        await using var resumed = await TestSocket.ConnectAsync(instance.ResumeUri(before));
        Assert.False(resumed.OfType("welcome").Single().GetProperty("resume").GetProperty("complete").GetBoolean());
    }

    [Fact(Timeout = 90_000)]
    public async Task A_killed_instance_subscription_is_swept_by_the_others_and_live_ones_are_left_alone()
    {
        string topic = TestInstance.NewTopic();
        Dictionary<string, string?> Fast(string region)
        {
            var s = TestInstance.EmulatorSettings(emulator, topic, region);
            s["HEARTBEAT_SECONDS"] = "1";
            // Ten missed heartbeats: a live instance slowed by a busy emulator is never taken for dead.
            s["SWEEP_AFTER_SECONDS"] = "10";
            return s;
        }
        using var admin = new EmulatorAdmin(emulator);
        var victimSettings = Fast("lax");
        await using var victim = ServerProcess.Start(victimSettings, output);
        await using var sweeper = await TestInstance.StartAsync(Fast("ams"), output);
        await using var bystander = await TestInstance.StartAsync(Fast("syd"), output);
        await victim.WaitHealthyAsync();

        victim.Signal("KILL");
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(await admin.GetSubscriptionAsync(victimSettings["FLY_ALLOC_ID"]!));

        await Eventually.TrueAsync(async () => await admin.GetSubscriptionAsync(victimSettings["FLY_ALLOC_ID"]!) is null,
            "the dead instance's subscription is swept", TimeSpan.FromSeconds(45));
        Assert.NotNull(await admin.GetSubscriptionAsync(sweeper.InstanceId));
        Assert.NotNull(await admin.GetSubscriptionAsync(bystander.InstanceId));
        // The sweep is logged a moment after the delete.
        await Eventually.TrueAsync(() => sweeper.Log.Events.Concat(bystander.Log.Events).Any(e => e.MessageTemplate.Text.StartsWith("Swept subscription")),
            "the sweep is logged");
    }

    /// <summary>
    /// A machine killed and restarted with the same id, whose own clean-up of its predecessor's subscription
    /// fails: the other instances sweep the dead life's subscription, and never the live one's, though both
    /// carry the same machine id.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_restarted_machine_leftover_is_swept_by_the_others_and_its_live_subscription_is_left_alone()
    {
        string topic = TestInstance.NewTopic();
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var sweeper = await TestInstance.StartAsync(Swept(TestInstance.EmulatorSettings(emulator, topic, "ams"), sweepAfter: 10), output);
        var settings = Swept(Fronted.Settings(emulator, front, topic, "lax"), sweepAfter: 0);
        string machine = settings["FLY_ALLOC_ID"]!;
        using var admin = new EmulatorAdmin(emulator);
        string dead = await Fronted.KilledLeavingAsync(settings, output);
        front.Faults.Refuse("ListTopicSubscriptions", Grpc.Core.StatusCode.PermissionDenied, TimeSpan.FromMinutes(5));

        await using var second = ServerProcess.Start(settings, output);
        await second.WaitHealthyAsync();
        var live = Stopwatch.StartNew();
        string alive = await Fronted.SubscriptionAsync(second.BaseUri);
        await Eventually.TrueAsync(() => second.Lines.Any(l => l.Contains("Could not delete the subscriptions earlier runs of this machine left")),
            "the restarted machine's own clean-up fails", TimeSpan.FromSeconds(30));

        await Eventually.TrueAsync(async () => (await admin.SubscriptionsOfAsync(machine)).All(s => s.Name != dead),
            "the dead life's subscription is swept", TimeSpan.FromSeconds(45));
        // Long enough for the sweeper to have watched the live one past SWEEP_AFTER_SECONDS, and swept it if it would.
        var hold = TimeSpan.FromSeconds(22) - live.Elapsed;
        if (hold > TimeSpan.Zero)
            await Task.Delay(hold, TestContext.Current.CancellationToken);
        Assert.Equal([alive], (await admin.SubscriptionsOfAsync(machine)).Select(s => s.Name));
        Assert.DoesNotContain(sweeper.Log.Events, e => e.MessageTemplate.Text.StartsWith("Swept subscription") && e.RenderMessage().Contains(alive[(alive.LastIndexOf('/') + 1)..]));
        Assert.Single(second.Lines, l => l.Contains("Could not delete the subscriptions earlier runs of this machine left"));
    }

    /// <summary>Heartbeats every second; the sweeper takes subscriptions unheard of for <paramref name="sweepAfter"/> s (0: off).</summary>
    private static Dictionary<string, string?> Swept(Dictionary<string, string?> settings, int sweepAfter)
    {
        settings["HEARTBEAT_SECONDS"] = "1";
        settings["SWEEP_AFTER_SECONDS"] = sweepAfter.ToString();
        return settings;
    }

    private static async Task<(HttpStatusCode, string?)> HealthAsync(TestInstance instance)
    {
        using var http = new HttpClient { BaseAddress = instance.BaseUri };
        using var response = await http.GetAsync("/healthz?strict");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("status").GetString());
    }
}
