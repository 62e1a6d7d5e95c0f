using Microsoft.Extensions.Options;
using Notifications.Bus;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Identity;

namespace Notifications.Connections;

/// <summary>
/// What every connection shares, held once and reached through one reference per socket: where its alerts
/// go, who may join and publish to what, the registry (and its channel index), the feed that answers a
/// subscribe with its replay, and the token check for refreshes.
/// </summary>
internal sealed class ConnectionServices(
    IAlertIntake alerts,
    IAlertFeed feed,
    ConnectionRegistry registry,
    ChannelPolicy policy,
    TokenValidator tokens,
    BusHealth bus,
    AlertBudgets budgets,
    IOptions<AuthOptions> auth,
    IOptions<ChannelOptions> channels,
    IOptions<DeliveryOptions> delivery)
{
    public IAlertIntake Alerts => alerts;
    public IAlertFeed Feed => feed;
    public ConnectionRegistry Registry => registry;
    public ChannelPolicy Policy => policy;
    public TokenValidator Tokens => tokens;
    public BusHealth Bus => bus;
    public AlertBudgets Budgets => budgets;

    /// <summary>AUTH_CLOCK_SKEW_SECONDS: how long after its <c>exp</c> an unrefreshed socket is closed.</summary>
    public TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds);

    /// <summary>
    /// Frames a socket's queue may hold beyond WS_SEND_QUEUE for replays (resumes) not yet written: room for
    /// the whole global window, every channel window and an answer per channel. A client that resumes again
    /// and again without reading still meets a bound, and is closed with 1013.
    /// </summary>
    public int ReplayRoom { get; } = delivery.Value.WindowSize + channels.Value.WindowTotal + channels.Value.MaxPerSocket + 2;
}
