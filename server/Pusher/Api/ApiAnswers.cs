namespace Notifications.Pusher.Api;

/// <summary>One channel in an HTTP API answer; absent attributes are left out, so a plain listing is <c>{}</c>.</summary>
internal sealed record ChannelInfo(bool? Occupied, int? UserCount, int? SubscriptionCount);

/// <summary><c>GET /channels</c>, and <c>POST /events</c> with <c>info</c>: <c>{"channels": {name: info}}</c>.</summary>
internal sealed record ChannelsAnswer(IReadOnlyDictionary<string, ChannelInfo> Channels);

/// <summary><c>POST /batch_events</c> with <c>info</c>: <c>{"batch": [info, …]}</c>, in the batch's order.</summary>
internal sealed record BatchAnswer(IReadOnlyList<ChannelInfo> Batch);

/// <summary><c>GET /channels/{name}/users</c>: <c>{"users": [{"id": …}]}</c>.</summary>
internal sealed record UsersAnswer(IReadOnlyList<UserEntry> Users);

internal sealed record UserEntry(string Id);

/// <summary>An answer with nothing to say: <c>{}</c>.</summary>
internal sealed record EmptyAnswer;
