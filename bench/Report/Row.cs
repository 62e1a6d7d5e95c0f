namespace Notifications.Bench.Report;

/// <summary>
/// One line of the results table: a measured case of a scenario, its headline figures, the target it
/// is held to (if any), the alerts it lost or duplicated, and both processes' CPU over its window.
/// </summary>
internal sealed record Row(string Scenario, string Case, string Figures)
{
    public string? Target { get; init; }
    public bool? Met { get; init; }
    public long Lost { get; init; }
    public long Duplicated { get; init; }
    /// <summary>A correctness failure: lost or duplicated alerts, failed connects, or an error the case did not expect.</summary>
    public bool Failed { get; init; }
    /// <summary>Server CPU over the case's window, in percent of one core (200 % is all of this 2-core machine).</summary>
    public double? ServerCpuPercent { get; init; }
    public double? BenchCpuPercent { get; init; }
    /// <summary>Busy CPU that was neither: kernel threads, the emulator, or anything else running on the machine (which skews a result).</summary>
    public double? OtherCpuPercent { get; init; }
    public Dictionary<string, object?> Data { get; init; } = [];
}
