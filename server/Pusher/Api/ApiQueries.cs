using System.Text.Json;
using Notifications.Pusher.Apps;
using Notifications.Pusher.Channels;
using Notifications.Pusher.Presence;

namespace Notifications.Pusher.Api;

/// <summary>
/// Answers the HTTP API's reads, and the <c>info</c> of a trigger, from the fleet's view: occupancy and
/// subscription counts from the census, presence users from the roster. Pusher's rules: <c>user_count</c>
/// only for presence channels (a listing must filter by <c>presence-</c>), users only of a presence channel.
/// </summary>
internal static class ApiQueries
{
    private const string PresencePrefix = "presence-";

    private static PusherJsonContext Json => PusherJsonContext.Wire;

    /// <summary><c>GET /apps/{id}/channels?filter_by_prefix=&amp;info=</c>.</summary>
    public static ApiResult<byte[]> Channels(PusherApp app, string? prefix, string? info, IPusherChannelCensus census, PresenceRoster presence)
    {
        var attributes = ChannelAttributesParser.Parse(info);
        if (attributes.HasFlag(ChannelAttributes.UserCount) && !(prefix ?? "").StartsWith(PresencePrefix, StringComparison.Ordinal))
            return ApiProblem.BadRequest("info=user_count needs filter_by_prefix=presence-: only presence channels have users.");
        var channels = census.Occupied(app.Id, prefix ?? "").ToDictionary(
            c => c.Channel,
            c => Info(app, c.Channel, c.Subscriptions, attributes, presence, occupied: false),
            StringComparer.Ordinal);
        return JsonSerializer.SerializeToUtf8Bytes(new ChannelsAnswer(channels), Json.ChannelsAnswer);
    }

    /// <summary><c>GET /apps/{id}/channels/{name}?info=</c>: <c>occupied</c> always, the asked-for counts.</summary>
    public static ApiResult<byte[]> Channel(PusherApp app, string name, string? info, IPusherChannelCensus census, PresenceRoster presence)
    {
        if (!PusherChannel.TryParse(name, out var channel))
            return ApiProblem.BadRequest("That is not a valid channel name.");
        var attributes = ChannelAttributesParser.Parse(info);
        if (attributes.HasFlag(ChannelAttributes.UserCount) && channel.Kind != PusherChannelKind.Presence)
            return ApiProblem.BadRequest("info=user_count is only for presence channels.");
        var answer = Info(app, name, census.Subscriptions(app.Id, name), attributes, presence, occupied: true);
        return JsonSerializer.SerializeToUtf8Bytes(answer, Json.ChannelInfo);
    }

    /// <summary><c>GET /apps/{id}/channels/{name}/users</c>: every user on the presence channel, fleet-wide.</summary>
    public static ApiResult<byte[]> Users(PusherApp app, string name, PresenceRoster presence)
    {
        if (!PusherChannel.TryParse(name, out var channel) || channel.Kind != PusherChannelKind.Presence)
            return ApiProblem.BadRequest("Users can only be listed for a presence channel.");
        var users = presence.Members(PusherChannelMap.ToInternal(app.Id, name)).Select(m => new UserEntry(m.UserId)).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new UsersAnswer(users), Json.UsersAnswer);
    }

    /// <summary>The answer to a trigger: <c>{}</c>, or the asked-for attributes of each event's channels.</summary>
    public static byte[] Triggered(PusherApp app, ApiTrigger trigger, IPusherChannelCensus census, PresenceRoster presence)
    {
        if (trigger.Items.All(i => i.Info == ChannelAttributes.None))
            return JsonSerializer.SerializeToUtf8Bytes(new EmptyAnswer(), Json.EmptyAnswer);
        ChannelInfo InfoOf(string channel, ChannelAttributes attributes) =>
            Info(app, channel, census.Subscriptions(app.Id, channel), attributes, presence, occupied: false);
        if (trigger.IsBatch)
            return JsonSerializer.SerializeToUtf8Bytes(
                new BatchAnswer([.. trigger.Items.Select(i => InfoOf(i.Event.Channels[0], i.Info))]), Json.BatchAnswer);
        var item = trigger.Items[0];
        return JsonSerializer.SerializeToUtf8Bytes(
            new ChannelsAnswer(item.Event.Channels.Distinct().ToDictionary(c => c, c => InfoOf(c, item.Info), StringComparer.Ordinal)), Json.ChannelsAnswer);
    }

    private static ChannelInfo Info(PusherApp app, string channel, int subscriptions, ChannelAttributes attributes, PresenceRoster presence, bool occupied)
    {
        bool isPresence = channel.StartsWith(PresencePrefix, StringComparison.Ordinal);
        return new ChannelInfo(
            occupied ? subscriptions > 0 : null,
            attributes.HasFlag(ChannelAttributes.UserCount) && isPresence ? presence.MemberCount(PusherChannelMap.ToInternal(app.Id, channel)) : null,
            attributes.HasFlag(ChannelAttributes.SubscriptionCount) ? subscriptions : null);
    }
}
