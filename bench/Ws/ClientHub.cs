using System.Buffers.Text;
using System.Text;

namespace Notifications.Bench.Ws;

/// <summary>Receives every tagged alert any client of a run sees: the step's delivery ledger.</summary>
internal interface IAlertSink
{
    void OnAlert(int client, int step, long seq, long intendedTicks, long receivedTicks);

    /// <summary>Whether the sink still wants to know when the server accepted alert <paramref name="seq"/> of <paramref name="step"/> (its frame's <c>sentAt</c>).</summary>
    bool WantsAccepted(int step, long seq) => false;

    void OnAccepted(long seq, long intendedTicks, long acceptedTicks)
    {
    }
}

/// <summary>What a run's clients share: the run tag to look for in alert texts, and where tagged alerts go.</summary>
internal sealed class ClientHub(string runTag)
{
    private readonly byte[] _marker = Encoding.ASCII.GetBytes($"\"text\":\"b:{runTag}:");
    // The same alert inside a Pusher event's data, which carries it as a JSON-encoded string.
    private readonly byte[] _pusherMarker = Encoding.ASCII.GetBytes($"\\\"text\\\":\\\"b:{runTag}:");

    public byte[] RunTag { get; } = Encoding.ASCII.GetBytes($"{runTag}:");

    /// <summary>Each client keeps the id of the last tagged alert it received, as a page does for <c>?since=</c>.</summary>
    public bool TrackAlertIds { get; init; }

    /// <summary>A channel the clients join (on <c>/ws</c> by a subscribe frame, as Pusher clients by <c>pusher:subscribe</c>) and alerts are sent to; null for <c>global</c>.</summary>
    public ChannelDoor? Channel { get; init; }

    /// <summary>The current step's ledger; swapped between steps, read by every receive loop.</summary>
    public volatile IAlertSink? Sink;

    private static readonly byte[] SentAtMarker = "\"sentAt\":\""u8.ToArray();
    // Where the wall clock stood at one Stopwatch reading: a frame's sentAt (UTC) on the bench's Stopwatch scale, within the clocks' drift over a run.
    private static readonly long WallTicks0 = DateTime.UtcNow.Ticks, Stopwatch0 = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The frame's <c>sentAt</c> (when the server accepted the alert) in Stopwatch ticks; false when it has none.</summary>
    public static bool TryReadSentAt(ReadOnlySpan<byte> json, out long ticks)
    {
        ticks = 0;
        int at = json.IndexOf(SentAtMarker);
        if (at < 0)
            return false;
        var rest = json[(at + SentAtMarker.Length)..];
        int end = rest.IndexOf((byte)'"');
        if (end < 0 || !DateTimeOffset.TryParse(Encoding.ASCII.GetString(rest[..end]), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var sentAt))
            return false;
        ticks = Stopwatch0 + (long)((sentAt.UtcTicks - WallTicks0) * ((double)System.Diagnostics.Stopwatch.Frequency / TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>Finds <c>"text":"b:RUN:STEP:SEQ:TICKS"</c> in an alert frame (or a topic message) by scanning bytes.</summary>
    public bool TryReadTag(ReadOnlySpan<byte> json, out int step, out long seq, out long ticks)
    {
        step = 0;
        seq = ticks = 0;
        int at = json.IndexOf(_marker), skip = _marker.Length;
        if (at < 0 && Channel is not null && (at = json.IndexOf(_pusherMarker)) >= 0)
            skip = _pusherMarker.Length;
        if (at < 0)
            return false;
        var rest = json[(at + skip)..];
        return Utf8Parser.TryParse(rest, out step, out int n) && rest[n] == (byte)':'
            && Utf8Parser.TryParse(rest = rest[(n + 1)..], out seq, out n) && rest[n] == (byte)':'
            && Utf8Parser.TryParse(rest[(n + 1)..], out ticks, out _);
    }
}

/// <summary>
/// A channel both doors share: our name for it (<c>pusher:{app}:{channel}</c>), Pusher's name, the app key of
/// Pusher's door, and the token that lets <c>/ws</c> sockets join and publish there.
/// </summary>
internal sealed record ChannelDoor(string OurName, string PusherName, string PusherKey, string Token)
{
    public byte[] OurSubscribe { get; } = Encoding.ASCII.GetBytes($"{{\"type\":\"subscribe\",\"channel\":\"{OurName}\"}}");
    public byte[] PusherSubscribe { get; } = Encoding.ASCII.GetBytes($"{{\"event\":\"pusher:subscribe\",\"data\":{{\"channel\":\"{PusherName}\"}}}}");
    public byte[] AlertField { get; } = Encoding.ASCII.GetBytes($"\"channel\":\"{OurName}\",");
    public string PusherPath => $"/app/{PusherKey}?protocol=7&client=bench&version=1";
}
