using Notifications.Pusher.Events;

namespace Notifications.Pusher.Api;

/// <summary>What a <c>POST /events</c> or <c>/batch_events</c> asks to publish: events in order, each with the attributes its answer should report.</summary>
internal sealed record ApiTrigger(IReadOnlyList<ApiTriggerItem> Items, bool IsBatch);

internal sealed record ApiTriggerItem(PusherEvent Event, ChannelAttributes Info);
