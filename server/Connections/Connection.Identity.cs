using Notifications.Channels;
using Notifications.Identity;
using Notifications.Messages;

namespace Notifications.Connections;

internal sealed partial class Connection
{
    /// <summary>Timers take at most about 49 days; a later deadline is reached in steps.</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(30);

    /// <summary>
    /// <c>refresh</c>: the new token is checked like the first and must be for the same user; it then
    /// replaces the old one in place. Channels it no longer allows are left (each told with an unasked
    /// <c>unsubscribed</c>), then <c>refreshed</c> answers, and the expiry moves to the new <c>exp</c>.
    /// A check that has to wait (a JWKS read) finishes off the receive loop; later frames do not wait for it.
    /// </summary>
    private void Refresh(string token)
    {
        var state = Volatile.Read(ref _channels);
        if (state?.Identity is null)
        {
            SendError(IdentityRefresh.Anonymous, null);
            return;
        }
        long number;
        lock (state)
            number = ++state.RefreshesSent;
        var check = _services.Tokens.ValidateAsync(token, CancellationToken.None);
        if (check.IsCompletedSuccessfully)
            ApplyRefresh(state, number, check.Result);
        else
            _ = ApplyRefreshAsync(state, number, check);
    }

    private async Task ApplyRefreshAsync(ChannelState state, long number, ValueTask<TokenCheck> check)
    {
        try
        {
            ApplyRefresh(state, number, await check);
        }
        catch (Exception e)
        {
            Log.ReceiveFailed(_logger, e, Id);
            RequestClose(CloseReason.ServerError);
        }
    }

    private void ApplyRefresh(ChannelState state, long number, TokenCheck check)
    {
        if (check.Refusal is { } refusal)
        {
            SendError(ChannelVerdict.Refuse(ErrorCodes.TokenInvalid, refusal.Reason), null);
            return;
        }
        var next = check.Identity!;
        lock (state)
        {
            if (state.Closed || number < state.RefreshApplied)
                return;
            var verdict = IdentityRefresh.Check(state.Identity, next);
            if (!verdict.Allowed)
            {
                SendError(verdict, null);
                return;
            }
            state.RefreshApplied = number;
            state.Identity = next;
            foreach (var channel in _services.Policy.NoLongerAllowed(next, state.Channels.Indexed))
            {
                state.Channels.Leave(channel);
                _services.Registry.LeaveChannel(channel, this);
                TryEnqueue(Frames.Unsubscribed(channel, UnsubscribedMessage.NotAllowed, _services.Bus.Stamp(_clock.GetUtcNow())));
            }
            TryEnqueue(Frames.Refreshed(next.ExpiresAt, _services.Bus.Stamp(_clock.GetUtcNow())));
            ArmExpiry(state);
        }
        Log.Refreshed(_logger, Id, next.ExpiresAt);
    }

    /// <summary>Sets the timer that closes the socket when its token runs out (<see cref="IdentityRefresh.Deadline"/>). Under the state's lock.</summary>
    private void ArmExpiry(ChannelState state)
    {
        var due = Until(IdentityRefresh.Deadline(state.Identity!, _services.ClockSkew));
        if (state.Expiry is null)
            state.Expiry = _clock.CreateTimer(static connection => ((Connection)connection!).Expire(), this, due, Timeout.InfiniteTimeSpan);
        else
            state.Expiry.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The timer fired: closes with 4001 unless a refresh moved the deadline meanwhile (then waits again).</summary>
    private void Expire()
    {
        var state = _channels!;
        lock (state)
        {
            if (state.Closed)
                return;
            var left = Until(IdentityRefresh.Deadline(state.Identity!, _services.ClockSkew));
            if (left > TimeSpan.Zero)
            {
                state.Expiry!.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }
        }
        if (RequestClose(CloseReason.TokenExpired))
            Log.TokenExpired(_logger, Id, Remote);
    }

    private TimeSpan Until(DateTimeOffset deadline)
    {
        var left = deadline - _clock.GetUtcNow();
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < MaxTimerDue ? left : MaxTimerDue;
    }
}
