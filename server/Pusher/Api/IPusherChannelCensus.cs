namespace Notifications.Pusher.Api;

/// <summary>
/// Which of an app's channels have subscribers, fleet-wide (phase 2: this instance's registry plus the other
/// instances' counts from their heartbeats). Channel names here are Pusher names.
/// </summary>
internal interface IPusherChannelCensus
{
    /// <summary>The app's channels with at least one subscriber whose names start with <paramref name="prefix"/>, with subscription counts.</summary>
    IReadOnlyCollection<(string Channel, int Subscriptions)> Occupied(string appId, string prefix);

    /// <summary>Sockets subscribed to the channel, fleet-wide; 0 when none.</summary>
    int Subscriptions(string appId, string channel);
}
