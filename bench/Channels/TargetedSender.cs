using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Notifications.Bus.PubSub.Grpc;

namespace Notifications.Bench.Channels;

/// <summary>
/// A backend sending to users: alerts for <c>user:</c> channels published straight to the topic, open loop
/// (alert k is due at t0 + k/rate and carries that time in its tagged text), the due ones in one Publish call.
/// </summary>
internal sealed class TargetedSender(string host, string project, string topicId) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress($"http://{host}");
    private readonly string _topic = $"projects/{project}/topics/{topicId}";

    /// <summary>Sends alert k of <paramref name="step"/> to <c>user:</c><paramref name="userOf"/>(k); returns how many were sent.</summary>
    public async Task<long> RunAsync(string runTag, int step, double rate, TimeSpan duration, Func<long, string> userOf, CancellationToken ct)
    {
        var publisher = new Publisher.PublisherClient(_channel);
        long total = Math.Max(1, (long)Math.Round(rate * duration.TotalSeconds));
        long t0 = Stopwatch.GetTimestamp(), next = 0;
        double ticksPerAlert = Stopwatch.Frequency / rate;
        while (next < total && !ct.IsCancellationRequested)
        {
            long due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - t0) / ticksPerAlert) + 1);
            var request = new PublishRequest { Topic = _topic };
            for (; next < due; next++)
            {
                string text = $"b:{runTag}:{step}:{next}:{t0 + (long)(next * ticksPerAlert)}";
                var body = new { type = "channel_alert", id = Guid.CreateVersion7().ToString(), channel = "user:" + userOf(next), text };
                request.Messages.Add(new PubsubMessage { Data = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(body)) });
            }
            // Woken before the next alert was due: Pub/Sub refuses an empty publish.
            if (request.Messages.Count > 0)
                await publisher.PublishAsync(request, cancellationToken: ct);
            if (next < total)
                await Task.Delay(2, ct);
        }
        return next;
    }

    public void Dispose() => _channel.Dispose();
}
