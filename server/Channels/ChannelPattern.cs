using Notifications.Messages;

namespace Notifications.Channels;

/// <summary>
/// A channel name, or a prefix ending in <c>*</c> that matches every channel starting with it:
/// <c>team:42</c> matches only itself, <c>job:*</c> every <c>job:</c> channel (not <c>jobs:1</c>),
/// <c>*</c> every channel but Pusher apps' (see <see cref="Matches"/>). A <c>*</c> anywhere but at the end is refused.
/// </summary>
internal readonly record struct ChannelPattern
{
    private ChannelPattern(string text, bool isPrefix)
    {
        Text = text;
        IsPrefix = isPrefix;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True for a <c>prefix*</c> pattern, false for an exact name.</summary>
    public bool IsPrefix { get; }

    private ReadOnlySpan<char> Prefix => Text.AsSpan(0, Text.Length - 1);

    /// <summary>
    /// Whether the pattern matches <paramref name="channel"/>. A prefix reaches into Pusher apps' channels only
    /// when it is written inside their namespace (<c>pusher:1001:*</c>): a broad grant (<c>*</c>, <c>pu*</c>),
    /// perhaps made before the Pusher door was turned on, must not open their private and presence channels,
    /// which have auth of their own.
    /// </summary>
    public bool Matches(string channel) =>
        IsPrefix
            ? channel.AsSpan().StartsWith(Prefix, StringComparison.Ordinal)
                && (!channel.StartsWith(ChannelName.PusherPrefix, StringComparison.Ordinal) || IsWithin(ChannelName.PusherPrefix))
            : string.Equals(channel, Text, StringComparison.Ordinal);

    /// <summary>True when every channel this pattern matches starts with <paramref name="prefix"/> (so <c>user:*</c> is within <c>user:</c>, and <c>*</c> is not).</summary>
    public bool IsWithin(string prefix) =>
        IsPrefix ? Prefix.StartsWith(prefix, StringComparison.Ordinal) : Text.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>True when some channel starting with <paramref name="prefix"/> matches (so <c>*</c> and <c>us*</c> reach into <c>user:</c>).</summary>
    public bool Reaches(string prefix) =>
        IsWithin(prefix) || IsPrefix && prefix.AsSpan().StartsWith(Prefix, StringComparison.Ordinal);

    public static bool TryParse(string? text, out ChannelPattern pattern, out string? problem)
    {
        pattern = default;
        if (string.IsNullOrEmpty(text))
        {
            problem = "A channel pattern must not be empty.";
            return false;
        }
        int star = text.IndexOf('*');
        if (star >= 0 && star != text.Length - 1)
        {
            problem = $"'{Shorten(text)}': '*' may stand only at the end of a channel pattern.";
            return false;
        }
        if (star < 0)
        {
            problem = ChannelName.Problem(text) is { } nameProblem ? $"'{Shorten(text)}': {nameProblem}" : null;
            pattern = new ChannelPattern(text, isPrefix: false);
            return problem is null;
        }
        // A prefix need not be a whole name ("team:4*" is fine), but it must be the start of one.
        var prefix = text[..star];
        problem = prefix.Length == 0 || ChannelName.Problem(prefix + "x") is null
            ? null
            : $"'{Shorten(text)}': the part before '*' is not the start of a valid channel name.";
        pattern = new ChannelPattern(text, isPrefix: true);
        return problem is null;
    }

    public override string ToString() => Text;

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
