using Notifications.Pusher.Protocol;

namespace Notifications.Pusher.Session;

internal sealed partial class PusherSession
{
    /// <summary>How long a <c>pusher:ping</c> may go unanswered (Pusher's recommendation).</summary>
    public static readonly TimeSpan PongTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Beyond the activity timeout before the server pings: pusher-js pings after the same timeout of silence
    /// from us, so on a quiet connection its ping normally comes first and ours is never needed.
    /// </summary>
    public static readonly TimeSpan PingGrace = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _activityTimeout;
    private long _lastHeardAt;
    private long _pingSentAt = -1;

    /// <summary>Anything from the client counts as life, WebSocket pings and pongs included (phase 2 calls this for control frames).</summary>
    public void NoteActivity()
    {
        lock (_gate)
            HeardFromClient();
    }

    /// <summary>
    /// The activity check, on a timer: after the activity timeout (plus <see cref="PingGrace"/>) without a
    /// word from the client, send <c>pusher:ping</c>; if nothing comes back within <see cref="PongTimeout"/>,
    /// close with 4201 so pusher-js reconnects at once.
    /// </summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (_ended)
                return;
            long now = _clock.GetTimestamp();
            if (_pingSentAt >= 0)
            {
                if (_clock.GetElapsedTime(_pingSentAt, now) >= PongTimeout)
                    CloseWith(PusherErrorCodes.PongNotReceived, "Pong reply not received.");
                return;
            }
            if (_clock.GetElapsedTime(_lastHeardAt, now) >= _activityTimeout + PingGrace)
            {
                _sink.Send(PusherFrames.Ping);
                _pingSentAt = now;
            }
        }
    }

    private void HeardFromClient()
    {
        _lastHeardAt = _clock.GetTimestamp();
        _pingSentAt = -1;
    }
}
