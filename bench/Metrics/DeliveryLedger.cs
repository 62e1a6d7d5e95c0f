using System.Diagnostics;
using Notifications.Bench.Ws;

namespace Notifications.Bench.Metrics;

/// <summary>
/// One step's exact delivery accounting: a bit per (client, alert), so every lost and every duplicated
/// delivery is counted, and a latency histogram from each alert's intended send time (open loop).
/// Each client's bits are written only by that client's receive loop, so nothing here locks.
/// </summary>
internal sealed class DeliveryLedger : IAlertSink
{
    private static readonly long TicksPerMicro = Stopwatch.Frequency / 1_000_000;
    private readonly int _step, _clients, _words;
    private readonly ulong[] _bits;
    private readonly long[] _received, _duplicated, _other;
    // With BENCH_LATENCY_DUMP: each alert's slowest delivery and the sum of all its deliveries (µs), for a timeline
    // that tells one late socket (the slowest alone) from a late broadcast (the mean too).
    private readonly long[]? _slowest, _summed;
    // With BENCH_LATENCY_DUMP too, for servers whose frames say when they accepted the alert (sentAt): from its
    // intended send to then, µs, plus one (0: not known), which tells a late intake from a late broadcast.
    private readonly long[]? _accepted;

    public DeliveryLedger(int step, int clients, long maxAlerts)
    {
        _step = step;
        _clients = clients;
        _words = (int)((maxAlerts + 63) / 64);
        _bits = new ulong[(long)clients * _words];
        _received = new long[clients];
        _duplicated = new long[clients];
        _other = new long[clients];
        if (Environment.GetEnvironmentVariable("BENCH_LATENCY_DUMP") is not null)
        {
            _slowest = new long[_words * 64L];
            _summed = new long[_words * 64L];
            _accepted = new long[_words * 64L];
        }
    }

    public Recorder Latency { get; } = new();
    /// <summary>How many sequence numbers the ledger has room for (the step's alerts, rounded up to 64).</summary>
    public long MaxAlerts => _words * 64L;

    public void OnAlert(int client, int step, long seq, long intendedTicks, long receivedTicks)
    {
        if ((uint)client >= (uint)_clients)
            return;
        if (step != _step || (ulong)seq >= (ulong)MaxAlerts)
        {
            _other[client]++;
            return;
        }
        ref ulong word = ref _bits[(long)client * _words + (seq >> 6)];
        ulong mask = 1UL << (int)(seq & 63);
        if ((word & mask) != 0)
        {
            _duplicated[client]++;
            return;
        }
        word |= mask;
        _received[client]++;
        long micros = (receivedTicks - intendedTicks) / TicksPerMicro;
        Latency.Record(micros);
        if (_slowest is not null)
        {
            Interlocked.Add(ref _summed![seq], micros);
            ref long slowest = ref _slowest[seq];
            for (long seen = Volatile.Read(ref slowest); micros > seen; seen = Volatile.Read(ref slowest))
            {
                if (Interlocked.CompareExchange(ref slowest, micros, seen) == seen)
                    break;
            }
        }
    }

    public bool WantsAccepted(int step, long seq) =>
        _accepted is not null && step == _step && (ulong)seq < (ulong)_accepted.Length && Volatile.Read(ref _accepted[seq]) == 0;

    public void OnAccepted(long seq, long intendedTicks, long acceptedTicks) =>
        Interlocked.CompareExchange(ref _accepted![seq], Math.Max(0, (acceptedTicks - intendedTicks) / TicksPerMicro) + 1, 0);

    /// <summary>
    /// With BENCH_LATENCY_DUMP set to a folder: writes one line per alert of the first <paramref name="sent"/>, its slowest
    /// and its mean delivery in µs, and when the server accepted it (µs after its intended send; -1 when its frames do not say), after a line with the step's start (UTC, to line up with the GC events' times).
    /// </summary>
    public void DumpTimeline(long sent, string label, DateTime startedUtc, int receivers)
    {
        if (_slowest is null || Environment.GetEnvironmentVariable("BENCH_LATENCY_DUMP") is not { } folder)
            return;
        Directory.CreateDirectory(folder);
        using var w = new StreamWriter(Path.Combine(folder, $"{label}-step{_step}-{DateTime.UtcNow:HHmmssfff}.txt"));
        w.WriteLine($"# started {startedUtc:HH:mm:ss.fff}; per alert: slowest and mean delivery, accepted by the server, µs");
        for (long i = 0; i < Math.Min(sent, _slowest.Length); i++)
            w.WriteLine($"{_slowest[i]} {_summed![i] / Math.Max(1, receivers)} {_accepted![i] - 1}");
    }

    /// <summary>Whether <paramref name="client"/> got alert <paramref name="seq"/> of this step.</summary>
    public bool Has(int client, long seq) =>
        (uint)client < (uint)_clients && (ulong)seq < (ulong)MaxAlerts && (_bits[(long)client * _words + (seq >> 6)] & (1UL << (int)(seq & 63))) != 0;

    public long Received(IEnumerable<int> clients) => clients.Sum(c => Volatile.Read(ref _received[c]));

    /// <summary>Totals over <paramref name="clients"/> for <paramref name="sent"/> alerts (sequence numbers 0..sent-1).</summary>
    public (long Expected, long Delivered, long Lost, long Duplicated, long Stale) Totals(IReadOnlyCollection<int> clients, long sent)
    {
        long delivered = Received(clients);
        long expected = sent * clients.Count;
        return (expected, delivered, expected - delivered, clients.Sum(c => _duplicated[c]), clients.Sum(c => _other[c]));
    }
}
