using Notifications.Messages;

namespace Notifications.Connections;

/// <summary>Where a new connection's alerts come from: what it missed, then everything live (the fan-out, in Delivery).</summary>
internal interface IAlertFeed
{
    /// <summary>
    /// Registers <paramref name="connection"/> through <see cref="ConnectionRegistry.Attach"/> with the
    /// alerts it missed after <paramref name="since"/> (null: a fresh start), so that it gets those and
    /// then every alert delivered after them, with none falling between. Returns how the resume went.
    /// </summary>
    ResumeReport? Join(Connection connection, string? since);
}
