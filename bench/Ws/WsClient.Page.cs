using System.Buffers.Text;
using System.Text;

namespace Notifications.Bench.Ws;

/// <summary>What a page needs to follow a drain as client-web/app.js does: the goaway hint, the last alert id, how a resume went.</summary>
internal sealed partial class WsClient
{
    private static readonly byte[] IdMarker = "\"id\":\""u8.ToArray();
    private static readonly byte[] HintMarker = "\"reconnectAfterMs\":"u8.ToArray();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the connection has ended, however it ended (close frame, reset, abort).</summary>
    public Task Ended => _ended.Task;

    /// <summary>The <c>reconnectAfterMs</c> of the server's <c>goaway</c>, if one came.</summary>
    public int? GoAwayMs { get; private set; }

    /// <summary>The id of the last tagged alert received, when the hub tracks ids (<see cref="ClientHub.TrackAlertIds"/>).</summary>
    public string? LastAlertId { get; private set; }

    /// <summary>The welcome's <c>resume.complete</c>: null when the connect asked for no resume.</summary>
    public bool? ResumeComplete { get; private set; }

    /// <summary>Lets go of an ended connection's descriptor, as a page drops a closed socket (no reset: it ended already).</summary>
    public void Release()
    {
        Stop();
        _socket.Dispose();
    }

    private void RememberAlertId(ReadOnlySpan<byte> json)
    {
        int at = json.IndexOf(IdMarker);
        if (at < 0)
            return;
        var rest = json[(at + IdMarker.Length)..];
        int end = rest.IndexOf((byte)'"');
        if (end > 0)
            LastAlertId = Encoding.ASCII.GetString(rest[..end]);
    }

    private void OnGoAway(ReadOnlySpan<byte> json)
    {
        int at = json.IndexOf(HintMarker);
        if (at >= 0 && Utf8Parser.TryParse(json[(at + HintMarker.Length)..], out int ms, out _))
            GoAwayMs = ms;
    }

    private void OnWelcome(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf("\"resume\":{"u8) >= 0)
            ResumeComplete = json.IndexOf("\"complete\":true"u8) >= 0;
        MarkLive();
    }
}
