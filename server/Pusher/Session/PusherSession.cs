using Notifications.Connections;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;

namespace Notifications.Pusher.Session;

/// <summary>
/// What a Pusher client's frames do on one connection: subscriptions with their authorization, presence
/// membership, client events with their rules and rate, sign-in, and the activity check. It knows nothing of
/// sockets: frames come in through <see cref="Receive"/>, go out through <see cref="IPusherSink"/>, and channel
/// membership goes through <see cref="IPusherRooms"/> and the <see cref="PresenceRoster"/>. Thread-safe: the
/// receive loop, the activity timer and the connection's end may call it at once.
/// </summary>
internal sealed partial class PusherSession
{
    private readonly Lock _gate = new();
    private readonly PusherApp _app;
    private readonly IPusherSink _sink;
    private readonly IPusherRooms _rooms;
    private readonly PresenceRoster _presence;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private bool _ended;
    // A flood of subscribes would rebuild presence member lists per frame and, with unsubscribes between, announce a
    // member's coming and going to the whole fleet each time; sign-ins check a signature each (see TakeRequest).
    private TokenBucket? _requestBudget;

    /// <summary>One channel this socket is on: our name for it, and the user it joined as when it is a presence channel.</summary>
    private sealed record Subscription(PusherChannel Channel, string Internal, PresenceMember? Member);

    public PusherSession(PusherApp app, string socketId, int activityTimeoutSeconds, IPusherSink sink, IPusherRooms rooms, PresenceRoster presence, TimeProvider clock)
    {
        (_app, SocketId, _sink, _rooms, _presence, _clock) = (app, socketId, sink, rooms, presence, clock);
        _activityTimeout = TimeSpan.FromSeconds(activityTimeoutSeconds);
        _lastHeardAt = clock.GetTimestamp();
        _clientEventWindowStart = _lastHeardAt;
        ActivityTimeoutSeconds = activityTimeoutSeconds;
    }

    public string SocketId { get; }

    public int ActivityTimeoutSeconds { get; }

    /// <summary>The user this socket signed in as (<c>pusher:signin</c>); null until then.</summary>
    public string? UserId { get; private set; }

    // The member that user is on presence channels joined without channel_data; null until signed in.
    private PresenceMember? _signedInAs;

    /// <summary>Sends <c>pusher:connection_established</c>; the first frame on the connection.</summary>
    public void Start()
    {
        lock (_gate)
            _sink.Send(PusherFrames.ConnectionEstablished(SocketId, ActivityTimeoutSeconds));
    }

    /// <summary>Acts on one inbound text frame.</summary>
    public void Receive(ReadOnlySpan<byte> frame)
    {
        var request = PusherFrameParser.Parse(frame);
        lock (_gate)
        {
            if (_ended)
                return;
            HeardFromClient();
            switch (request)
            {
                case PingFrame:
                    _sink.Send(PusherFrames.Pong);
                    break;
                case PongFrame:
                    break;
                case SubscribeFrame subscribe:
                    Subscribe(subscribe);
                    break;
                case UnsubscribeFrame unsubscribe:
                    Unsubscribe(unsubscribe.Channel);
                    break;
                case SigninFrame signin:
                    if (TakeRequest())
                        Signin(signin);
                    break;
                case ClientEventFrame clientEvent:
                    SendClientEvent(clientEvent);
                    break;
                case InvalidFrame invalid:
                    _sink.Send(PusherFrames.Error(PusherErrorCodes.InvalidMessage, invalid.Message));
                    break;
            }
        }
    }

    /// <summary>Leaves every channel (presence members leave fleet-wide); call once the connection is over. Later frames are ignored.</summary>
    public void End()
    {
        lock (_gate)
        {
            if (_ended)
                return;
            _ended = true;
            foreach (var name in _subscriptions.Keys.ToList())
                Unsubscribe(name);
        }
    }

    /// <summary>
    /// One from the socket's <see cref="RequestBudget"/> for subscribe and sign-in requests, with a burst of at least
    /// the app's channel cap and two more (a reconnect signs in and subscribes to all of them at once). Past it the
    /// connection is closed with a code pusher-js reconnects after with backoff, subscribing again: a refusal would
    /// leave its channel pending for good, as pusher-js never asks twice. Subscribes refused for their name or the
    /// cap are not charged: they cost a frame each, and a page that asks for more channels than the cap must get its
    /// refusals, not a close that its reconnect would repeat.
    /// </summary>
    private bool TakeRequest()
    {
        int burst = Math.Max(RequestBudget.Burst, _app.Limits.MaxChannelsPerConnection + 2);
        _requestBudget ??= RequestBudget.For(_clock, burst);
        if (_requestBudget.TryTake(out _))
            return true;
        CloseWith(PusherErrorCodes.TooManyRequests,
            $"Too many subscribe and sign-in requests: at most {RequestBudget.PerSecond:0} a second (bursts of {burst}). Reconnect and subscribe again.");
        return false;
    }

    /// <summary>Closes the connection and stops acting on anything after.</summary>
    private void CloseWith(int code, string message)
    {
        _sink.Send(PusherFrames.Error(code, message));
        _sink.Close(code, message);
        _ended = true;
        foreach (var name in _subscriptions.Keys.ToList())
            Unsubscribe(name);
    }
}
