using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Api;
using Notifications.Bus;
using Notifications.Tests.Faults;
using Notifications.Tests.Infrastructure;
using static Notifications.Tests.Api.PublishEndpointTests;

namespace Notifications.Tests.Api;

/// <summary>The publish API on real instances over the emulator: keys, refusals, idempotency across instances, channels, bursts, outages.</summary>
public sealed class PublishFleetTests(PubSubEmulator emulator, ITestOutputHelper output)
{
    [Fact(Timeout = 90_000)]
    public async Task Keys_none_wrong_and_both_secrets_of_a_rotation_and_the_alert_reaches_a_socket_on_the_other_instance_with_its_data()
    {
        await using var fleet = await ApiFleet.StartAsync(emulator, output);
        var watcher = await fleet.ConnectAsync(1);

        AssertProblem(await PostAsync(fleet.Clients[0], Valid, key: null), 401, "key_missing");
        AssertProblem(await PostAsync(fleet.Clients[0], Valid, key: "wrong-secret-0123456789abcdef"), 401, "key_invalid");
        var old = await PostAsync(fleet.Clients[0], """{"channel":"global","text":"old secret","data":{"percent":40}}""", key: ApiTestHost.Laravel);
        var next = await PostAsync(fleet.Clients[0], """{"channel":"global","text":"new secret"}""", key: ApiTestHost.LaravelNext);

        Assert.Equal(HttpStatusCode.Accepted, old.Status);
        Assert.Equal(HttpStatusCode.Accepted, next.Status);
        var alert = await watcher.WaitForAlertAsync("old secret");
        Assert.Equal(old.Body.GetProperty("id").GetString(), alert.GetProperty("id").GetString());
        Assert.Equal(40, alert.GetProperty("data").GetProperty("percent").GetInt32());
        Assert.Equal("ams", alert.GetProperty("region").GetString());
        await watcher.WaitForAlertAsync("new secret");
        Assert.Equal(2, watcher.OfType("alert").Count());
    }

    [Fact(Timeout = 90_000)]
    public async Task Every_refusal_on_a_real_instance_is_problem_json_with_its_code_and_publishes_nothing()
    {
        await using var fleet = await ApiFleet.StartAsync(emulator, output, count: 1, tune: s => (s["PUBLISH_API_RATE_PER_SECOND"], s["PUBLISH_API_BURST"]) = ("0.01", "100"));
        var watcher = await fleet.ConnectAsync(0);
        var http = fleet.Clients[0];

        AssertProblem(await PostAsync(http, "{not json"), 400, "invalid_body");
        AssertProblem(await PostAsync(http, """{"channel":"global","text":"x","id":"mine"}"""), 400, "server_field");
        AssertProblem(await PostAsync(http, """{"channel":"global"}"""), 400, "text_required");
        AssertProblem(await PostAsync(http, $$"""{"channel":"global","text":"{{new string('x', 281)}}"}"""), 400, "text_too_long");
        AssertProblem(await PostAsync(http, """{"channel":"a b","text":"x"}"""), 400, "invalid_channel");
        AssertProblem(await PostAsync(http, """{"channel":"global","text":"x","data":[1]}"""), 400, "invalid_data");
        AssertProblem(await PostAsync(http, """{"channel":"global","text":"x","idempotencyKey":""}"""), 400, "invalid_idempotency_key");
        AssertProblem(await PostAsync(http, Valid, key: null), 401, "key_missing");
        AssertProblem(await PostAsync(http, Valid, key: "not-a-key-of-this-server-0000"), 401, "key_invalid");
        AssertProblem(await PostAsync(http, """{"channel":"global","text":"x"}""", key: ApiTestHost.Ci), 403, "channel_forbidden");
        AssertProblem(await PostAsync(http, $$$"""{"channel":"global","text":"x","data":{"x":"{{{new string('x', 4100)}}}"}}"""), 413, "data_too_large");
        AssertProblem(await PostAsync(http, $$$"""{"channel":"global","text":"x","data":{"x":"{{{new string('x', 20_000)}}}"}}"""), 413, "body_too_large");
        var batch = "{\"alerts\":[" + string.Join(',', Enumerable.Repeat(Valid, 101)) + "]}";
        AssertProblem(await PostAsync(http, batch, path: PublishApiExtensions.BatchPath), 413, "batch_too_large");
        AssertProblem(await PostAsync(http, Valid, contentType: "text/plain"), 415, "unsupported_media_type");
        Assert.Empty(watcher.OfType("alert"));

        // Two alerts take two of the key's 100 tokens (refilled at 0.01 a second): a batch of 100 no longer fits.
        var first = await PostAsync(http, Idempotent("conflict", "first"));
        AssertProblem(await PostAsync(http, Idempotent("conflict", "second")), 409, "idempotency_conflict");
        var full = "{\"alerts\":[" + string.Join(',', Enumerable.Range(0, 100).Select(i => $$"""{"channel":"global","text":"fill {{i}}"}""")) + "]}";
        var limited = await PostAsync(http, full, path: PublishApiExtensions.BatchPath);
        AssertProblem(limited, 429, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_retry_to_the_other_instance_answers_the_first_id_and_is_delivered_once_on_every_instance()
    {
        await using var fleet = await ApiFleet.StartAsync(emulator, output);
        var onAms = await fleet.ConnectAsync(0, "ada");
        var onSyd = await fleet.ConnectAsync(1, "ada");
        const string Body = """{"channel":"user:ada","text":"Export ready","idempotencyKey":"job-7-done","data":{"percent":100}}""";

        var first = await PostAsync(fleet.Clients[0], Body);
        await onSyd.WaitForAlertAsync("Export ready");
        double[] before = [await fleet.DuplicatesAsync(0), await fleet.DuplicatesAsync(1)];
        var retry = await PostAsync(fleet.Clients[1], Body, key: ApiTestHost.LaravelNext);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        Assert.Equal(first.Body.GetProperty("id").GetString(), retry.Body.GetProperty("id").GetString());
        // The retry did travel (it was published from the other instance) and every instance dropped it by its id.
        await Eventually.TrueAsync(async () => await fleet.DuplicatesAsync(0) > before[0] && await fleet.DuplicatesAsync(1) > before[1],
            "both instances dropped the retried alert as a duplicate", TimeSpan.FromSeconds(20));
        foreach (var socket in new[] { onAms, onSyd })
            Assert.Single(socket.OfType("alert"), a => a.GetProperty("text").GetString() == "Export ready");
    }

    [Fact(Timeout = 90_000)]
    public async Task A_publish_to_user_x_reaches_only_xs_sockets_on_every_instance()
    {
        await using var fleet = await ApiFleet.StartAsync(emulator, output);
        TestSocket[] ada = [await fleet.ConnectAsync(0, "ada"), await fleet.ConnectAsync(1, "ada")];
        TestSocket[] others = [await fleet.ConnectAsync(0, "bob"), await fleet.ConnectAsync(1, "bob"), await fleet.ConnectAsync(0), await fleet.ConnectAsync(1)];

        var sent = await PostAsync(fleet.Clients[1], """{"channel":"user:ada","text":"for ada only"}""");
        foreach (var socket in ada)
            Assert.Equal("user:ada", (await socket.WaitForAlertAsync("for ada only")).GetProperty("channel").GetString());
        // A later alert every socket gets: each socket's frames are in order, so once it is there, the first would be too.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(fleet.Clients[0], """{"channel":"global","text":"marker"}""")).Status);
        foreach (var socket in ada.Concat(others))
            await socket.WaitForAlertAsync("marker");

        Assert.Equal(HttpStatusCode.Accepted, sent.Status);
        foreach (var socket in others)
            Assert.DoesNotContain(socket.OfType("alert"), a => a.GetProperty("text").GetString() == "for ada only");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_burst_of_1000_publishes_to_both_instances_arrives_once_each_on_every_socket()
    {
        await using var fleet = await ApiFleet.StartAsync(emulator, output, tune: s => s["PUBLISH_API_RATE_PER_SECOND"] = "100000");
        TestSocket[] sockets = [await fleet.ConnectAsync(0), await fleet.ConnectAsync(1)];

        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var answer = await PostAsync(fleet.Clients[i % 2], $$"""{"channel":"global","text":"burst {{i}}"}""");
            Assert.Equal(HttpStatusCode.Accepted, answer.Status);
            ids.Add(answer.Body.GetProperty("id").GetString()!);
        });

        Assert.Equal(1000, ids.Distinct().Count());
        foreach (var socket in sockets)
        {
            await Eventually.TrueAsync(() => socket.OfType("alert").Count() >= 1000, "every alert of the burst arrived", TimeSpan.FromSeconds(60));
            var got = socket.OfType("alert").Select(a => a.GetProperty("id").GetString()!).ToList();
            Assert.Equal(1000, got.Count);
            Assert.True(ids.ToHashSet().SetEquals(got), "each socket got exactly the 1,000 ids the API answered");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task While_pubsub_refuses_the_api_answers_503_with_the_reason_and_publishes_once_it_recovers()
    {
        await using var front = await PubSubFront.StartAsync(emulator.HostPort);
        await using var fleet = await ApiFleet.StartAsync(emulator, output, count: 1, front: front);
        var watcher = await fleet.ConnectAsync(0);

        front.RefuseEverything(StatusCode.Unavailable, TimeSpan.FromSeconds(6));
        var health = fleet.Instances[0].Services.GetRequiredService<BusHealth>();
        // The heartbeat's publish fails within a second; from then on the API knows before it queues anything.
        await Eventually.TrueAsync(() => health.Publish.FailingWith is not null, "the instance's publishing fails");
        var refused = await PostAsync(fleet.Clients[0], """{"channel":"global","text":"during the outage"}""");

        AssertProblem(refused, 503, "unavailable");
        Assert.Contains("Unavailable", refused.Body.GetProperty("detail").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        await Eventually.TrueAsync(async () => (await PostAsync(fleet.Clients[0], """{"channel":"global","text":"after the outage"}""")).Status == HttpStatusCode.Accepted,
            "the API accepts again after the outage", TimeSpan.FromSeconds(30));
        await watcher.WaitForAlertAsync("after the outage");
        Assert.DoesNotContain(watcher.OfType("alert"), a => a.GetProperty("text").GetString() == "during the outage");
    }
}
