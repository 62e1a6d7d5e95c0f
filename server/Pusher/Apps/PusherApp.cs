namespace Notifications.Pusher.Apps;

/// <summary>One Pusher app: its public id (the HTTP API's path) and key (the socket's path), its secret, its limits.</summary>
internal sealed record PusherApp(string Id, string Key, AppSecret Secret, PusherAppLimits Limits);

/// <summary>What one app's clients and backend may do; the defaults are the <c>PUSHER_*</c> settings.</summary>
internal sealed record PusherAppLimits(
    bool ClientEvents,
    int ClientEventsPerSecond,
    int MaxConnections,
    int MaxChannelsPerConnection,
    int MaxEventBytes,
    int MaxBatchSize,
    int MaxPresenceMembers,
    int MaxUserInfoBytes);
