namespace Notifications.Channels;

/// <summary>A list of <see cref="ChannelPattern"/>s, read once (from a token's claim or a setting) and matched many times.</summary>
internal sealed class ChannelPatterns
{
    /// <summary>Far more than any sensible token needs; more is refused, so one token cannot make every join a long scan.</summary>
    public const int MaxCount = 256;

    private readonly ChannelPattern[] _patterns;

    private ChannelPatterns(ChannelPattern[] patterns) => _patterns = patterns;

    public static ChannelPatterns None { get; } = new([]);

    public IReadOnlyList<ChannelPattern> Items => _patterns;

    public bool IsEmpty => _patterns.Length == 0;

    public bool Matches(string channel)
    {
        foreach (var pattern in _patterns)
        {
            if (pattern.Matches(channel))
                return true;
        }
        return false;
    }

    /// <summary>Reads every pattern; the first bad one (or too many) refuses the lot, since half a list would grant less than its author meant, silently.</summary>
    public static bool TryParse(IEnumerable<string?> texts, out ChannelPatterns patterns, out string? problem)
    {
        patterns = None;
        var list = new List<ChannelPattern>();
        foreach (var text in texts)
        {
            if (list.Count == MaxCount)
            {
                problem = $"At most {MaxCount} channel patterns are allowed.";
                return false;
            }
            if (!ChannelPattern.TryParse(text, out var pattern, out problem))
                return false;
            list.Add(pattern);
        }
        problem = null;
        patterns = list.Count == 0 ? None : new ChannelPatterns([.. list.Distinct()]);
        return true;
    }

    /// <summary>Reads a comma-separated setting; blank entries are skipped, so an empty setting is an empty list.</summary>
    public static bool TryParseList(string? setting, out ChannelPatterns patterns, out string? problem) =>
        TryParse((setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), out patterns, out problem);

    public override string ToString() => string.Join(",", _patterns);
}
