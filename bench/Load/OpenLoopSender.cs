using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Load;

/// <summary>
/// Sends alerts open loop: alert k is due at t0 + k/rate and carries that intended time in its text,
/// whatever happens to the sending, so a stalled server shows up as latency (no coordinated omission).
/// Due alerts are batched per sender socket into one write; senders take alerts round robin.
/// </summary>
internal static class OpenLoopSender
{
    /// <param name="MaxLagMs">The longest an alert waited past its intended time until the writes of its round returned: the generator's own delay, which the latency figures include.</param>
    public sealed record Sent(long Count, TimeSpan Elapsed, long SendErrors, double MaxLagMs);

    public static async Task<Sent> RunAsync(IReadOnlyList<WsClient> senders, byte[] runTag, int step, double rate,
        TimeSpan duration, CancellationToken cancellationToken, byte[]? channelField = null)
    {
        long total = Math.Max(1, (long)Math.Round(rate * duration.TotalSeconds));
        var batches = senders.Select(_ => new ArrayBufferWriter<byte>(4096)).ToArray();
        long t0 = Stopwatch.GetTimestamp(), next = 0, errors = 0, maxLag = 0;
        double ticksPerAlert = Stopwatch.Frequency / rate;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            long due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - t0) / ticksPerAlert) + 1);
            long oldest = t0 + (long)(next * ticksPerAlert);
            for (; next < due; next++)
                FrameWriter.Alert(batches[next % senders.Count], runTag, step, next, t0 + (long)(next * ticksPerAlert), channelField);
            for (int s = 0; s < senders.Count; s++)
            {
                if (batches[s].WrittenCount == 0)
                    continue;
                try
                {
                    senders[s].SendRaw(batches[s].WrittenSpan);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    errors++;
                }
                batches[s].ResetWrittenCount();
            }
            maxLag = Math.Max(maxLag, Stopwatch.GetTimestamp() - oldest);
            if (next < total)
                await Task.Delay(1, cancellationToken);
        }
        return new Sent(next, Stopwatch.GetElapsedTime(t0), errors, 1000.0 * maxLag / Stopwatch.Frequency);
    }
}
