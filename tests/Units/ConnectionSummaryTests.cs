using Notifications.Hosting;
using Notifications.Metrics;

namespace Notifications.Tests.Units;

/// <summary>The log's periodic connection line: what changed between two readings of the counts.</summary>
public sealed class ConnectionSummaryTests
{
    private static ConnectionActivity Reading(long accepted, long open, Dictionary<int, long>? refused = null, Dictionary<string, long>? closed = null) =>
        new(accepted, open, refused ?? [], closed ?? []);

    [Fact]
    public void Counts_what_changed_in_the_interval_largest_first()
    {
        var before = Reading(100, 40, new() { [429] = 5 }, new() { ["dropped"] = 50, ["client_closed"] = 10 });
        var after = Reading(5100, 1040, new() { [429] = 15, [503] = 3, [403] = 3 },
            new() { ["dropped"] = 4050, ["client_closed"] = 10, ["slow_client"] = 1 });

        var summary = ConnectionSummary.Between(before, after);

        Assert.NotNull(summary);
        Assert.Equal(5000, summary.Accepted);
        Assert.Equal(16, summary.Refused);
        Assert.Equal("429: 10, 403: 3, 503: 3", summary.RefusedByStatus);
        Assert.Equal(4001, summary.Closed);
        Assert.Equal("dropped: 4000, slow_client: 1", summary.ClosedByReason); // client_closed did not change
    }

    [Fact]
    public void An_interval_in_which_nothing_happened_has_no_summary()
    {
        var reading = Reading(100, 40, new() { [429] = 5 }, new() { ["dropped"] = 60 });

        Assert.Null(ConnectionSummary.Between(reading, reading with { }));
    }

    [Fact]
    public void Only_closes_is_still_a_summary()
    {
        var summary = ConnectionSummary.Between(Reading(10, 10), Reading(10, 0, closed: new() { ["server_shutdown"] = 10 }));

        Assert.NotNull(summary);
        Assert.Equal((0, 0, "none", 10, "server_shutdown: 10"), (summary.Accepted, summary.Refused, summary.RefusedByStatus, summary.Closed, summary.ClosedByReason));
    }
}
