using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Testing;
using Notifications.Bus;
using Notifications.Messages;
using Notifications.Metrics;

namespace Notifications.Tests.Units;

/// <summary>
/// Standalone mode's bus hands this process's alerts back as they were published, with no body, where Pub/Sub
/// carries them as the topic's JSON and every instance reads them back. Clients must not be able to tell the two
/// apart: each alert reads back from its JSON as the same frame.
/// </summary>
public sealed class InProcessBusTests : IDisposable
{
    private static readonly DateTimeOffset SentAt = new DateTimeOffset(2026, 12, 3, 14, 5, 6, 789, TimeSpan.Zero).AddTicks(1234);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static TheoryData<string> Alerts() => ["global", "channel", "data", "unicode"];

    private static AlertMessage Alert(string kind) => kind switch
    {
        "channel" => new AlertMessage(Guid.CreateVersion7(SentAt).ToString(), "Build 1842 is live", "ams", "e784079b449483", SentAt, "team:42"),
        "data" => new AlertMessage("0193a1c2-7d7e-8c1a-9a51-5f3b7e0d2a11", "Step 3 of 5", "syd", "i-2", SentAt, "user:ada",
            JsonDocument.Parse("""{ "job": "7", "percent": 40, "nested": {"ok": true} }""").RootElement.Clone()),
        "unicode" => new AlertMessage(Guid.CreateVersion7(SentAt).ToString(), "Ünïcödé 🚀 \"quoted\" <b>not html</b>", "local", "x", SentAt),
        _ => new AlertMessage(Guid.CreateVersion7(SentAt).ToString(), "Alien landing!", "ams", "e784079b449483", SentAt),
    };

    [Theory]
    [MemberData(nameof(Alerts))]
    public void An_alert_read_back_from_the_topic_is_the_frame_the_in_process_bus_hands_over(string kind)
    {
        var alert = Alert(kind);
        var message = new OutgoingMessage(alert);

        Assert.Equal(Frames.TopicAlert(alert), message.Encode().ToArray());
        var read = TopicMessageReader.Read(message.Encode(), "m-1", DateTimeOffset.UtcNow, 280).Alert!;
        Assert.Equal(Encoding.UTF8.GetString(Frames.Alert(alert)), Encoding.UTF8.GetString(Frames.Alert(read)));
        Assert.Equal(alert.IsGlobal, read.IsGlobal);
    }

    [Fact(Timeout = 10_000)]
    public async Task It_hands_an_alert_back_as_it_was_published_and_a_body_as_bytes()
    {
        var metrics = new NotificationsMetrics(_services.GetRequiredService<IMeterFactory>());
        var bus = new InProcessBus(TimeProvider.System, new BusHealth(TimeProvider.System, metrics, new FakeLogger<BusHealth>()));
        var alert = Alert("global");
        byte[] body = """{"type":"pusher_event"}"""u8.ToArray();
        var received = new List<BusMessage>();
        using var stop = new CancellationTokenSource();

        await bus.PublishAsync([new OutgoingMessage(alert), new OutgoingMessage(body)], TestContext.Current.CancellationToken);
        var receiving = bus.ReceiveAsync((message, _) =>
        {
            received.Add(message);
            if (received.Count == 2)
                stop.Cancel();
            return ValueTask.CompletedTask;
        }, () => { }, stop.Token);
        await receiving;

        Assert.Same(alert, received[0].Alert);
        Assert.True(received[0].Data.IsEmpty);
        Assert.Null(received[1].Alert);
        Assert.Equal(body, received[1].Data.ToArray());
        Assert.NotEqual(received[0].MessageId, received[1].MessageId);
    }

    public void Dispose() => _services.Dispose();
}
