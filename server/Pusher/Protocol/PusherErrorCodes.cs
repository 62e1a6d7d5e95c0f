namespace Notifications.Pusher.Protocol;

/// <summary>
/// The <c>code</c>s of <c>pusher:error</c> and the WebSocket close codes of the Pusher door. Pusher's
/// ranges tell pusher-js what to do after a close: 4000–4099 do not reconnect, 4100–4199 reconnect with
/// backoff, 4200–4299 reconnect at once; 4300–4399 are errors that leave the connection open.
/// docs/protocol.md lists each with when it is sent.
/// </summary>
internal static class PusherErrorCodes
{
    /// <summary>No app has the key in <c>/app/{key}</c>. Closes.</summary>
    public const int UnknownApp = 4001;

    /// <summary>The <c>protocol</c> query parameter is not one we speak (5 to 7). Closes.</summary>
    public const int UnsupportedProtocol = 4007;

    /// <summary>The connect URL has no <c>protocol</c> query parameter. Closes.</summary>
    public const int NoProtocol = 4008;

    /// <summary>A subscription's auth (frame only) or a <c>pusher:signin</c>'s (closes) did not verify.</summary>
    public const int Unauthorized = 4009;

    /// <summary>The app or the instance holds as many sockets as it may; try again later. Closes.</summary>
    public const int OverCapacity = 4100;

    /// <summary>Subscribe and sign-in requests faster than a socket may send them; pusher-js reconnects with backoff. Closes.</summary>
    public const int TooManyRequests = 4101;

    /// <summary>The instance is going away; reconnect now (any instance will do). Closes.</summary>
    public const int ReconnectNow = 4200;

    /// <summary>The server sent <c>pusher:ping</c> and heard nothing back in time. Closes.</summary>
    public const int PongNotReceived = 4201;

    /// <summary>A frame that is not JSON, not an object, lacks <c>event</c>, or is an event clients may not send.</summary>
    public const int InvalidMessage = 4300;

    /// <summary>Client events sent faster than the app allows (Pusher's own code).</summary>
    public const int ClientEventRateLimited = 4301;

    /// <summary>A client event that may not be sent: app setting, channel kind, not subscribed, name or data too long.</summary>
    public const int ClientEventRefused = 4302;

    /// <summary>A subscription refused for a reason other than auth: bad name, too many channels, presence channel full.</summary>
    public const int SubscriptionRefused = 4303;

    /// <summary>
    /// The <c>status</c> of a <c>pusher:subscription_error</c> whose auth did not verify. It is an HTTP status there: pusher-js puts
    /// its auth endpoint's in that field, and apps test it (401/403); other Pusher servers send 401 for a signature they refuse.
    /// </summary>
    public const int AuthErrorStatus = 401;
}
