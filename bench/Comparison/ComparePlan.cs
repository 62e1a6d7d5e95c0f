namespace Notifications.Bench.Comparison;

/// <summary>What one server is put through in one round of <c>compare</c>: the figures, at full size or at smoke size.</summary>
internal sealed record ComparePlan(double LowRate, double MidRate, double HighRate, int MaxConnects, int Storm, int FanoutSockets,
    double FanoutDeliveries, TimeSpan Settle, int WarmUp)
{
    public static readonly ComparePlan Full = new(2000, 5000, 10_000, 10_000, 10_000, 1000, 2_000_000, TimeSpan.FromSeconds(2), 500);
    public static readonly ComparePlan Smoke = new(100, 200, 400, 50, 100, 20, 2000, TimeSpan.FromSeconds(0.3), 20);

    /// <summary>Connects offered at <paramref name="rate"/>: two seconds' worth, at most <see cref="MaxConnects"/>.</summary>
    public int Count(double rate) => (int)Math.Min(rate * 2, MaxConnects);

    /// <summary>The figures in the order they are reported, each with the target ours is held to (issue 23).</summary>
    public IReadOnlyList<Figure> Figures =>
    [
        new("p99-low", $"handshake p99 at {LowRate:N0}/s offered", "ms", LowerIsBetter: true, MaxToFloor: 1.5, BeatNode: true),
        new("p99-mid", $"handshake p99 at {MidRate:N0}/s offered", "ms", LowerIsBetter: true, MaxToFloor: 1.5, BeatNode: true),
        new("cpu-per-connect", $"server CPU per connection at {MidRate:N0}/s", "µs", LowerIsBetter: true, MaxToFloor: 1.2, BeatNode: true),
        new("cpu-mid", $"server CPU at {MidRate:N0}/s offered", "% of a core", LowerIsBetter: true),
        new("alloc-per-connect", $"bytes allocated per connection, set up and reset (the {MidRate:N0}/s batch)", "B", LowerIsBetter: true),
        new("reset-cpu-per-connect", $"server CPU per connection its client reset (the {MidRate:N0}/s batch)", "µs", LowerIsBetter: true),
        new("storm-cpu-per-connect", "server CPU per connection in the storm (a warm process)", "µs", LowerIsBetter: true),
        new("achieved-high", $"achieved at {HighRate:N0}/s offered", "connects/s", LowerIsBetter: false, MinToFloor: 0.95, BeatNode: true),
        new("storm", $"{Storm:N0}-socket reconnect storm, all live", "s", LowerIsBetter: true, MaxToFloor: 1.0, BeatNode: true),
        new("rss-empty", "RSS with no sockets", "MiB", LowerIsBetter: true, MaxAbsolute: 60),
        new("fanout-first-p99", $"fan-out p99 at N={FanoutSockets:N0}, {FanoutDeliveries:N0} deliveries/s offered, its first step (sockets just connected)", "ms", LowerIsBetter: true),
        new("fanout-p99", $"fan-out p99 at N={FanoutSockets:N0}, {FanoutDeliveries:N0} deliveries/s offered, the step after (steady)", "ms", LowerIsBetter: true, MaxToFloor: 1.15),
        new("fanout-rate", $"fan-out deliveries/s achieved at N={FanoutSockets:N0}", "/s", LowerIsBetter: false),
        new("failures", "failed connects and lost alerts, all steps", "", LowerIsBetter: true),
    ];
}

/// <summary>
/// One reported figure. The target applies to ours: at most <see cref="MaxToFloor"/> times the floor's (or at
/// least <see cref="MinToFloor"/> times), at most <see cref="MaxAbsolute"/>, and better than Node's where
/// <see cref="BeatNode"/>.
/// </summary>
internal sealed record Figure(string Key, string Name, string Unit, bool LowerIsBetter, double? MaxToFloor = null,
    double? MinToFloor = null, double? MaxAbsolute = null, bool BeatNode = false)
{
    public string? Target
    {
        get
        {
            var parts = new List<string>();
            if (MaxToFloor is { } max)
                parts.Add($"≤ {max:0.##}× floor");
            if (MinToFloor is { } min)
                parts.Add($"≥ {min:0.##}× floor");
            if (MaxAbsolute is { } abs)
                parts.Add($"≤ {abs:0.##} {Unit}");
            if (BeatNode)
                parts.Add("better than node");
            return parts.Count == 0 ? null : string.Join(", ", parts);
        }
    }
}
