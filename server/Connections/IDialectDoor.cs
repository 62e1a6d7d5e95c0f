namespace Notifications.Connections;

/// <summary>A socket door other than <c>/ws</c> that speaks a dialect (Pusher's <c>/app/{key}</c>), so the bare socket can hand it what it upgraded.</summary>
internal interface IDialectDoor
{
    /// <summary>Whether the door is served at all (Pusher's: some app is configured); when not, its handshakes are Kestrel's to answer.</summary>
    bool Open { get; }

    /// <summary>Runs an admitted, upgraded socket to its end.</summary>
    Task ServeAsync(SocketWire wire, SocketTransport transport, AdmissionResult admitted, string key, string? protocol);
}
