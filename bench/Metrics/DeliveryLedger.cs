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

    public DeliveryLedger(int step, int clients, long maxAlerts)
    {
        _step = step;
        _clients = clients;
        _words = (int)((maxAlerts + 63) / 64);
        _bits = new ulong[(long)clients * _words];
        _received = new long[clients];
        _duplicated = new long[clients];
        _other = new long[clients];
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
        Latency.Record((receivedTicks - intendedTicks) / TicksPerMicro);
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
