using System.Text.Json;
using Notifications.Messages;
using Notifications.Pusher.Auth;
using Notifications.Pusher.Events;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;

namespace Notifications.Pusher.Session;

internal sealed partial class PusherSession
{
    /// <summary>Pusher's limit on event names, from clients and the HTTP API alike.</summary>
    public const int MaxEventNameLength = 200;

    private long _clientEventWindowStart;
    private int _clientEventsInWindow;

    /// <summary>Pusher's rules: the app allows them, the channel is private or presence, the sender is on it, within size and rate.</summary>
    private void SendClientEvent(ClientEventFrame request)
    {
        if (ClientEventRefusal(request) is { } refusal)
        {
            _sink.Send(PusherFrames.Error(PusherErrorCodes.ClientEventRefused, refusal, _subscriptions.ContainsKey(request.Channel) ? request.Channel : null));
            return;
        }
        if (!TakeClientEventToken())
        {
            _sink.Send(PusherFrames.Error(PusherErrorCodes.ClientEventRateLimited,
                $"Client event rejected: this app allows {_app.Limits.ClientEventsPerSecond} per second per socket.", request.Channel));
            return;
        }
        var subscription = _subscriptions[request.Channel];
        _rooms.Publish(new PusherEvent(PusherEvent.NewId(), _app.Id, [subscription.Channel.Name], request.Event, request.Data, SocketId, subscription.Member?.UserId));
    }

    private string? ClientEventRefusal(ClientEventFrame request)
    {
        if (!_app.Limits.ClientEvents)
            return "Client events are turned off for this app.";
        if (!_subscriptions.TryGetValue(request.Channel, out var subscription))
            return "Subscribe to the channel before sending client events on it.";
        if (!subscription.Channel.TakesClientEvents)
            return "Client events may be sent on private- and presence- channels only (not public or encrypted ones).";
        if (request.Event.Length > MaxEventNameLength)
            return $"Event names are at most {MaxEventNameLength} characters.";
        if (request.DataBytes > _app.Limits.MaxEventBytes)
            return $"The event's data is {request.DataBytes} bytes; this app's limit is {_app.Limits.MaxEventBytes}.";
        return null;
    }

    /// <summary>A one-second window, as Pusher counts client events.</summary>
    private bool TakeClientEventToken()
    {
        long now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_clientEventWindowStart, now) >= TimeSpan.FromSeconds(1))
        {
            _clientEventWindowStart = now;
            _clientEventsInWindow = 0;
        }
        if (_clientEventsInWindow >= _app.Limits.ClientEventsPerSecond)
            return false;
        _clientEventsInWindow++;
        return true;
    }

    /// <summary><c>pusher:signin</c>: a bad signature closes the connection with 4009, as Pusher does, and so does a sign-in as a second user.</summary>
    private void Signin(SigninFrame request)
    {
        string? refusal = ChannelAuthorizer.CheckSignin(_app, SocketId, request.UserData, request.Auth);
        string? userId = refusal is null ? UserIdOf(request.UserData) : null;
        if (userId is null)
        {
            CloseWith(PusherErrorCodes.Unauthorized, refusal ?? "user_data must be a JSON object with a non-empty \"id\".");
            return;
        }
        if (UserId is { } signedIn && signedIn != userId)
        {
            // Its #server-to-user- subscription and presence are the first user's: a connection is one user's for life.
            CloseWith(PusherErrorCodes.Unauthorized, $"This connection is signed in as another user already; sign in as '{userId}' on a new connection.");
            return;
        }
        UserId = userId;
        // Its user_info too large for presence leaves it signed in, without a member to join presence channels as.
        _signedInAs = PresenceMember.FromSignin(request.UserData, _app.Limits.MaxUserInfoBytes, out _);
        _sink.Send(PusherFrames.SigninSuccess(request.UserData));
    }

    private static string? UserIdOf(string userData)
    {
        try
        {
            using var document = StrictJson.Parse(userData, default);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("id", out var id))
                return null;
            string? value = id.ValueKind switch
            {
                JsonValueKind.String => id.GetString(),
                JsonValueKind.Number => id.GetRawText(),
                _ => null,
            };
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
