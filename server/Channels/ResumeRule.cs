using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Channels;

/// <summary>
/// One alert a window holds: its arrival order here, its id, its send time and <see cref="LatestAt"/> (all a resume
/// compares), its frame, and when it arrived (<see cref="ArrivedAt"/>, a timestamp for its age). Not the alert itself:
/// its text and origin are in the frame already, and holding the alert would keep its strings alive past the young
/// generation too.
/// </summary>
/// <param name="LatestAt">
/// The later of its send time and its arrival here on the wall clock. An alert can arrive long after it was sent (its
/// origin held it while Pub/Sub was away, or the origin's clock is behind), and a client that left before it arrived
/// missed it however early it was sent.
/// </param>
internal readonly record struct WindowEntry(long Sequence, AlertKey Id, DateTimeOffset SentAt, DateTimeOffset LatestAt, SocketFrame Frame, long ArrivedAt)
{
    public WindowEntry(long sequence, AlertMessage alert, SocketFrame frame, DateTimeOffset now, long arrivedAt)
        : this(sequence, AlertKey.Of(alert.Id), alert.SentAt, alert.SentAt > now ? alert.SentAt : now, frame, arrivedAt)
    {
    }
}

/// <summary>
/// The one rule for what a resuming client missed, for any window of alerts (one channel's, or the global
/// one: <see cref="Delivery.RecentAlerts"/> calls it too).
/// </summary>
internal static class ResumeRule
{
    /// <summary>
    /// What a client whose last alert was <paramref name="lastId"/> may have missed among
    /// <paramref name="entries"/>: everything that arrived after it, and everything sent or arrived up to
    /// <paramref name="slack"/> before it was sent (another instance may have delivered those in another order),
    /// sorted by send time. <c>Complete</c> is true when the window provably holds all the client
    /// missed: <paramref name="last"/> is the id's entry here, sent (less the slack) after <paramref name="forgottenUpTo"/>,
    /// or the id is one of our time-ordered ids (a point in time) whose instant, less the slack, is after both
    /// <paramref name="receivingSince"/> and <paramref name="forgottenUpTo"/>. Failing both, <paramref name="fallback"/> (the
    /// last stamp the client heard after that alert, a time id) is taken by the same time rule. For an id not here, and
    /// no point that will do, every entry is returned.
    /// </summary>
    /// <param name="forgottenUpTo">The latest <see cref="WindowEntry.LatestAt"/> before which the window may lack alerts: those it let go, or missed while this instance had no subscription.</param>
    /// <param name="frameOf">Where an entry's frame is, for a window that keeps frames elsewhere than in <see cref="WindowEntry.Frame"/>.</param>
    public static ChannelReplay Missed(IEnumerable<WindowEntry> entries, WindowEntry? last, string lastId, string? fallback, TimeSpan slack,
        DateTimeOffset receivingSince, DateTimeOffset forgottenUpTo, Func<WindowEntry, SocketFrame>? frameOf = null)
    {
        IEnumerable<WindowEntry> missed = entries;
        bool complete = true;
        var lastKey = AlertKey.Of(lastId);
        if (last is { } known && known.SentAt - slack > forgottenUpTo)
            missed = After(entries, known, slack);
        else if (last is null && From(lastId) is { } sent)
            missed = entries.Where(e => e.LatestAt >= sent && e.Id != lastKey);
        else if (fallback is not null && From(fallback) is { } heard)
            missed = entries.Where(e => e.LatestAt >= heard && e.Id != lastKey);
        else
        {
            // Alerts of the slack before it may be among those let go, or published while there was no subscription.
            if (last is { } held)
                missed = After(entries, held, slack);
            complete = false;
        }
        var frames = missed
            .OrderBy(e => e.SentAt).ThenBy(e => e.Id)
            .Select(frameOf ?? (e => e.Frame))
            .ToList();
        return new ChannelReplay(complete, frames);

        // A point in time the window provably covers, less the slack; null when it does not.
        DateTimeOffset? From(string id) =>
            AlertIds.TryGetTime(id, out var at) && at - slack >= receivingSince && at - slack > forgottenUpTo ? at - slack : null;
    }

    /// <summary>What arrived after <paramref name="known"/>, and what was sent or arrived up to the slack before it was sent: from its send time, not its arrival, so a late last alert replays more, never less.</summary>
    private static IEnumerable<WindowEntry> After(IEnumerable<WindowEntry> entries, WindowEntry known, TimeSpan slack)
    {
        var from = known.SentAt - slack;
        return entries.Where(e => e.Sequence > known.Sequence || e.Sequence < known.Sequence && e.LatestAt >= from);
    }
}
