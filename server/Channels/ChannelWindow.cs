using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Channels;

/// <summary>What a resume found, on one channel or on <c>global</c>: the frames to replay (oldest first) and whether they provably hold all that was missed.</summary>
internal readonly record struct ChannelReplay(bool Complete, List<SocketFrame> Frames);

/// <summary>
/// The alerts this instance received lately on channels other than <c>global</c> (which keeps
/// <see cref="Delivery.RecentAlerts"/>), per channel: what a client resuming a channel is replayed from. Bounded
/// three ways: <c>perChannel</c> alerts per channel (so one busy channel cannot push a quiet one's history
/// out), <c>total</c> for all channels together, and <c>maxAge</c>. A channel with nothing left is
/// dropped. Not thread-safe: the fan-out's lock guards it, as it guards <see cref="Delivery.RecentAlerts"/>.
/// </summary>
internal sealed partial class ChannelWindow(int perChannel, int total, TimeSpan maxAge, TimeProvider clock)
{
    private readonly Dictionary<string, ChannelLog> _channels = new(StringComparer.Ordinal);
    // Every entry in arrival order, for the total and the age; entries a channel's own cap already
    // dropped stay here until passed over (see Compact).
    private readonly Queue<Arrival> _arrivals = new();
    private readonly Dictionary<AlertKey, (ChannelLog Log, WindowEntry Entry)> _byId = [];
    private long _nextSequence;
    private int _live;
    // The newest LatestAt of any alert forgotten on a channel whose log is gone: the bound for channels with no log of their own.
    private DateTimeOffset _forgottenUpTo = DateTimeOffset.MinValue;

    /// <summary>Alerts held now, across all channels.</summary>
    public int Count => _live;

    public int ChannelCount => _channels.Count;

    /// <summary>Arrival records kept, live or passed over: bounded by <see cref="Compact"/>.</summary>
    public int ArrivalCount => _arrivals.Count;

    public void Add(string channel, AlertMessage alert, SocketFrame frame)
    {
        ExpireOld();
        if (!_channels.TryGetValue(channel, out var log))
        {
            // A channel seen before and since dropped may have forgotten alerts up to the window-wide bound.
            log = new ChannelLog(channel, _forgottenUpTo);
            _channels.Add(channel, log);
        }
        var entry = new WindowEntry(_nextSequence++, alert, frame, clock.GetUtcNow(), clock.GetTimestamp());
        log.Entries.Enqueue(entry);
        _arrivals.Enqueue(new Arrival(log, entry.Sequence, entry.ArrivedAt));
        _byId[entry.Id] = (log, entry);
        _live++;
        if (log.Entries.Count > perChannel)
            Forget(log, log.Entries.Dequeue());
        while (_live > total && _arrivals.TryDequeue(out var oldest))
            ForgetIfLive(oldest);
        Compact();
    }

    /// <summary>
    /// What a client whose last alert on <paramref name="channel"/> was <paramref name="since"/> (and a stamp after it, if it names one) may have
    /// missed there, as <see cref="Delivery.RecentAlerts.Since"/> answers it for the global window: what arrived
    /// after it, and what was sent up to <paramref name="slack"/> before it. An id this window holds for
    /// another channel counts as unknown here, so a resume never reaches outside its channel.
    /// </summary>
    /// <param name="missedUpTo">Until when this instance may have missed alerts it held before (a subscription made again after it was lost).</param>
    public ChannelReplay Since(string channel, string since, TimeSpan slack, DateTimeOffset receivingSince, DateTimeOffset missedUpTo = default)
    {
        ExpireOld();
        var (lastId, fallback) = AlertIds.ResumePoints(since);
        if (!_channels.TryGetValue(channel, out var log))
            return ResumeRule.Missed([], null, lastId, fallback, slack, receivingSince, missedUpTo > _forgottenUpTo ? missedUpTo : _forgottenUpTo);
        WindowEntry? last = _byId.TryGetValue(AlertKey.Of(lastId), out var known) && ReferenceEquals(known.Log, log) ? known.Entry : null;
        return ResumeRule.Missed(log.Entries, last, lastId, fallback, slack, receivingSince, missedUpTo > log.ForgottenUpTo ? missedUpTo : log.ForgottenUpTo);
    }
}
