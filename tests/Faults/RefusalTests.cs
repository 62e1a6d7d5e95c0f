using System.Net;
using Grpc.Core;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Faults;

/// <summary>Pub/Sub refusing calls (a revoked key, a quota, an outage): health says why, recovery is quick and by itself, nothing accepted is lost.</summary>
public sealed class RefusalTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    /// <summary>Issue 18, points 4 and 9: every call refused for a window, then allowed.</summary>
    [Theory(Timeout = 120_000)]
    [InlineData(StatusCode.Unauthenticated, 20)]
    [InlineData(StatusCode.PermissionDenied, 5)]
    [InlineData(StatusCode.Unavailable, 5)]
    [InlineData(StatusCode.DeadlineExceeded, 5)]
    [InlineData(StatusCode.ResourceExhausted, 5)]
    public async Task Every_call_refused_for_a_while_is_degraded_with_the_reason_ready_within_two_seconds_after_and_nothing_accepted_is_lost(StatusCode status, int seconds)
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        string topic = TestInstance.NewTopic();
        await using var ams = await TestInstance.StartAsync(Fronted.Settings(emulator, front, topic, "ams"), output);
        await using var syd = await TestInstance.StartAsync(Fronted.Settings(emulator, front, topic, "syd"), output);
        await ams.WaitReadyAsync();
        await syd.WaitReadyAsync();
        await Fronted.StartupCleanupPassedAsync(front, 2);
        await using var onAms = await TestSocket.ConnectAsync(ams.SocketUri);
        await using var onSyd = await TestSocket.ConnectAsync(syd.SocketUri);
        await using var amsReady = new Readiness(ams);
        await using var sydReady = new Readiness(syd);

        var window = TimeSpan.FromSeconds(seconds);
        front.RefuseEverything(status, window);
        var endsAt = amsReady.Now + window;
        foreach (var instance in new[] { ams, syd })
        {
            await Eventually.TrueAsync(async () => await Fronted.HealthAsync(instance.BaseUri) is (HttpStatusCode.ServiceUnavailable, "degraded", var detail)
                && detail.Contains(status.ToString()), $"{instance.Region} reports degraded, naming {status}", window);
        }
        // The whole fleet is degraded at once, and still routable: the proxy has somewhere to send pages.
        foreach (var instance in new[] { ams, syd })
            Assert.Equal((HttpStatusCode.OK, "degraded"), await Fronted.RoutingAsync(instance.BaseUri));
        var sent = new List<string>();
        for (int i = 0; amsReady.Now < endsAt - TimeSpan.FromSeconds(0.5); i++)
        {
            string text = $"during {status} {i}";
            await (i % 2 == 0 ? onAms : onSyd).SendAlertAsync(text);
            sent.Add(text);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var watches = new[] { amsReady, sydReady };
        await Eventually.TrueAsync(() => amsReady.Now > endsAt && watches.All(r => r.IsReady && r.Gaps.Any(g => g.Start + g.Length > endsAt - window)),
            "both ready again", window + TimeSpan.FromSeconds(10));
        var after = watches.Select(r => r.Gaps.Last().Start + r.Gaps.Last().Length - endsAt).ToArray();
        output.WriteLine($"{status} for {seconds} s: ready again {string.Join(", ", after.Select(a => $"{a.TotalMilliseconds:0} ms"))} after the refusals ended; {front.Refused} calls refused");
        Assert.All(after, a => Assert.True(a < TimeSpan.FromSeconds(2), $"ready only {a.TotalMilliseconds:0} ms after the refusals ended"));
        await Fronted.AssertEachGotEachOnceAsync([onAms, onSyd], sent, TimeSpan.FromSeconds(20));
        Assert.Empty(onAms.OfType("error"));
        Assert.Empty(onSyd.OfType("error"));
        LogCheck.AssertOneEpisode(ams, status, "receive stream", "publishing");
        LogCheck.AssertOneEpisode(syd, status, "receive stream", "publishing");
    }

    /// <summary>Issue 18, point 4: an alert is given up only when PUBLISH_TIMEOUT_SECONDS or PUBLISH_BUFFER says so, and then its sender is told.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Alerts_are_given_up_only_past_the_publish_timeout_or_buffer_and_their_senders_are_told()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        var settings = Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams");
        settings["PUBLISH_TIMEOUT_SECONDS"] = "2";
        settings["PUBLISH_BUFFER"] = "2";
        int metrics = PubSubEmulator.FreePort();
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (metrics.ToString(), "127.0.0.1");
        await using var instance = await TestInstance.StartAsync(settings, output);
        await instance.WaitReadyAsync();
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        Assert.Equal(1, await Fronted.MetricAsync(metrics, "notifications_bus_ready"));

        front.RefuseEverything(StatusCode.Unauthenticated, TimeSpan.FromSeconds(6));
        await Eventually.TrueAsync(() => !instance.IsReady, "degraded");
        // What an operator's dashboard shows meanwhile.
        await Eventually.TrueAsync(async () => await Fronted.MetricAsync(metrics, "notifications_bus_ready") == 0
            && await Fronted.MetricAsync(metrics, "notifications_bus_side_up{side=\"publish\"}") == 0
            && await Fronted.MetricAsync(metrics, "notifications_bus_failures") > 0, "the metrics show the outage");
        await client.SendAlertAsync("waits too long 1");
        await client.SendAlertAsync("waits too long 2");
        await client.SendAlertAsync("no room");
        var full = await client.WaitForErrorAsync("publish_failed", TimeSpan.FromSeconds(1));
        Assert.Contains("buffer is full", full.GetProperty("message").GetString());
        await Eventually.TrueAsync(() => client.OfType("error").Count() == 3, "both waiting alerts given up, their sender told", TimeSpan.FromSeconds(10));
        Assert.All(client.OfType("error").Skip(1), e => Assert.Contains("within 2 s", e.GetProperty("message").GetString()));

        await instance.WaitReadyAsync();
        await Eventually.TrueAsync(async () => await Fronted.MetricAsync(metrics, "notifications_bus_ready") == 1, "the metrics show the recovery");
        await client.SendAlertAsync("after");
        await client.WaitForAlertAsync("after");
        Assert.DoesNotContain(Fronted.AlertTexts(client), t => t.StartsWith("waits too long") || t == "no room");
    }

    /// <summary>Issue 18, point 5: only new calls refused, open streams untouched: failing publishes make the instance degraded, and it recovers by itself.</summary>
    [Fact(Timeout = 60_000)]
    public async Task New_calls_refused_while_the_stream_stays_open_is_degraded_by_publishing_and_recovers_by_itself()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams"), output);
        await instance.WaitReadyAsync();
        await Fronted.StartupCleanupPassedAsync(front, 1);
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        await using var readiness = new Readiness(instance);
        int streams = front.Calls("StreamingPull");

        var window = TimeSpan.FromSeconds(6);
        front.Faults.Refuse(FaultPlan.AnyMethod, StatusCode.PermissionDenied, window);
        var endsAt = readiness.Now + window;
        await client.SendAlertAsync("held back");
        await Eventually.TrueAsync(async () => await Fronted.HealthAsync(instance.BaseUri) is (HttpStatusCode.ServiceUnavailable, "degraded", var detail)
            && detail.Contains("publishing failing with PermissionDenied"), "degraded because publishing fails");

        await client.WaitForAlertAsync("held back", window + TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => readiness.Now > endsAt && readiness.IsReady && readiness.Gaps.Any(), "ready again", TimeSpan.FromSeconds(15));
        var after = readiness.Gaps.Last().Start + readiness.Gaps.Last().Length - endsAt;
        output.WriteLine($"ready again {after.TotalMilliseconds:0} ms after new calls were allowed again");
        Assert.True(after < TimeSpan.FromSeconds(2), $"ready only {after.TotalMilliseconds:0} ms after");
        Assert.Equal(streams, front.Calls("StreamingPull")); // the stream was never touched, never restarted
        Assert.Single(Fronted.AlertTexts(client), "held back");
        LogCheck.AssertOneEpisode(instance, StatusCode.PermissionDenied, "publishing");
    }

    /// <summary>
    /// Should Pub/Sub answer NOT_FOUND for a subscription that exists (a moment's inconsistency just after making it, say),
    /// making it again is answered ALREADY_EXISTS: the subscription kept every message, so nothing is counted missed, and
    /// a resume from before the scare is complete. Unless a create in between timed out: that one may have made it anew,
    /// so the resume says it may have missed some.
    /// </summary>
    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_NOT_FOUND_for_a_subscription_that_exists_counts_nothing_missed(bool createTimedOut)
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams"), output);
        await instance.WaitReadyAsync();
        await using var client = await TestSocket.ConnectAsync(instance.SocketUri);
        await client.SendAlertAsync("before the scare");
        string before = (await client.WaitForAlertAsync("before the scare")).GetProperty("id").GetString()!;

        front.Faults.RefuseNext("StreamingPull", StatusCode.NotFound, 1);
        if (createTimedOut)
            front.Faults.RefuseNext("CreateSubscription", StatusCode.DeadlineExceeded, 1);
        Assert.Equal(1, front.EndStreams(StatusCode.Unavailable));
        await client.SendAlertAsync("during the scare");

        await Eventually.TrueAsync(() => instance.Log.Events.Any(e => e.MessageTemplate.Text.Contains("no longer exists")), "the NOT_FOUND is taken", TimeSpan.FromSeconds(20));
        await instance.WaitReadyAsync();
        await client.WaitForAlertAsync("during the scare", TimeSpan.FromSeconds(20));
        Assert.Equal(!createTimedOut, instance.Log.Events.Any(e => e.MessageTemplate.Text.Contains("was there after all")));
        await using var resumed = await TestSocket.ConnectAsync(instance.ResumeUri(before));
        var resume = resumed.OfType("welcome").Single().GetProperty("resume");
        Assert.Equal(!createTimedOut, resume.GetProperty("complete").GetBoolean());
        await resumed.WaitForAlertAsync("during the scare");
    }

    /// <summary>Issue 18, point 9: an instance that never made its subscription stops without a stack trace.</summary>
    [Fact(Timeout = 60_000)]
    public async Task An_instance_that_never_made_its_subscription_stops_quietly()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        front.Faults.Refuse(FaultPlan.AnyMethod, StatusCode.PermissionDenied, TimeSpan.FromMinutes(5));
        var instance = await TestInstance.StartAsync(Fronted.Settings(emulator, front, TestInstance.NewTopic(), "ams"), output);
        await Eventually.TrueAsync(async () => await Fronted.HealthAsync(instance.BaseUri) is (HttpStatusCode.ServiceUnavailable, "degraded", var detail)
            && detail.Contains("subscription setup failing with PermissionDenied"), "degraded, saying setup is refused");

        await instance.DisposeAsync();

        Assert.DoesNotContain(instance.Log.Events, e => e.Exception is not null);
        Assert.Single(LogCheck.Warnings(instance));
    }
}
