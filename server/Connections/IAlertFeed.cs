using Notifications.Messages;

namespace Notifications.Connections;

/// <summary>Where a connection's alerts come from: what it missed, then everything live (the fan-out, in Delivery).</summary>
internal interface IAlertFeed
{
    /// <summary>
    /// Registers <paramref name="connection"/> through <see cref="ConnectionRegistry.Attach"/> with the
    /// alerts it missed after <paramref name="since"/> (null: a fresh start), so that it gets those and
    /// then every alert delivered after them, with none falling between. Returns how the resume went.
    /// </summary>
    ResumeReport? Join(Connection connection, string? since);

    /// <summary>
    /// Answers a <c>subscribe</c> the policy allowed: queues <c>subscribed</c> (with how the resume went, when
    /// <paramref name="since"/> is given) and what <paramref name="connection"/> missed on
    /// <paramref name="channel"/>, then, if <paramref name="enter"/>, makes it a member, so that nothing
    /// falls between the replay and the live alerts. Returns how the resume went.
    /// </summary>
    ResumeReport? Subscribe(Connection connection, string channel, string? since, bool enter);
}
