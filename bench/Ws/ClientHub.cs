using System.Buffers.Text;
using System.Text;

namespace Notifications.Bench.Ws;

/// <summary>Receives every tagged alert any client of a run sees: the step's delivery ledger.</summary>
internal interface IAlertSink
{
    void OnAlert(int client, int step, long seq, long intendedTicks, long receivedTicks);
}

/// <summary>What a run's clients share: the run tag to look for in alert texts, and where tagged alerts go.</summary>
internal sealed class ClientHub(string runTag)
{
    private readonly byte[] _marker = Encoding.ASCII.GetBytes($"\"text\":\"b:{runTag}:");

    public byte[] RunTag { get; } = Encoding.ASCII.GetBytes($"{runTag}:");

    /// <summary>Each client keeps the id of the last tagged alert it received, as a page does for <c>?since=</c>.</summary>
    public bool TrackAlertIds { get; init; }

    /// <summary>The current step's ledger; swapped between steps, read by every receive loop.</summary>
    public volatile IAlertSink? Sink;

    /// <summary>Finds <c>"text":"b:RUN:STEP:SEQ:TICKS"</c> in an alert frame (or a topic message) by scanning bytes.</summary>
    public bool TryReadTag(ReadOnlySpan<byte> json, out int step, out long seq, out long ticks)
    {
        step = 0;
        seq = ticks = 0;
        int at = json.IndexOf(_marker);
        if (at < 0)
            return false;
        var rest = json[(at + _marker.Length)..];
        return Utf8Parser.TryParse(rest, out step, out int n) && rest[n] == (byte)':'
            && Utf8Parser.TryParse(rest = rest[(n + 1)..], out seq, out n) && rest[n] == (byte)':'
            && Utf8Parser.TryParse(rest[(n + 1)..], out ticks, out _);
    }
}
