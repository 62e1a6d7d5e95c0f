using Notifications.Channels;
using Notifications.Messages;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelNameTests
{
    [Theory]
    [InlineData("global")]
    [InlineData("public:lobby")]
    [InlineData("user:42")]
    [InlineData("team:42:builds")]
    [InlineData("job:2026-11-23_run.7")]
    [InlineData("a")]
    [InlineData("a::b")]
    [InlineData("UPPER:lower")]
    [InlineData("user:auth0|abc123")]
    [InlineData("user:ada.lovelace@example.com")]
    [InlineData("pusher:1001:presence-room=a@b,c;d")]
    public void Accepts_letters_digits_and_colon_underscore_dash_dot_equals_at_comma_semicolon_bar(string name) =>
        Assert.Null(ChannelName.Problem(name));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("team 42")]
    [InlineData("team/42")]
    [InlineData("team*")]
    [InlineData("équipe")]
    [InlineData("user:")]
    [InlineData(":global")]
    [InlineData("team:42\n")]
    [InlineData("team:4\u00002")]
    [InlineData("ｔｅａｍ")]
    [InlineData("team\"42")]
    [InlineData("team'42")]
    [InlineData("team\t42")]
    [InlineData("team#42")]
    [InlineData("a<b")]
    [InlineData("user:a+b@example.com")]
    public void Refuses_anything_else(string name) => Assert.NotNull(ChannelName.Problem(name));

    [Fact]
    public void Refuses_null() => Assert.NotNull(ChannelName.Problem(null));

    [Fact]
    public void Length_is_at_most_128()
    {
        Assert.Null(ChannelName.Problem(new string('a', 128)));
        Assert.Contains("128", ChannelName.Problem(new string('a', 129)));
    }

    [Fact]
    public void User_channels_name_their_owner()
    {
        Assert.Equal("user:42", ChannelName.ForUser("42"));
        Assert.Equal("42", ChannelName.UserOf("user:42"));
        Assert.Equal("a:b", ChannelName.UserOf("user:a:b"));
        Assert.Null(ChannelName.UserOf("users:42"));
        Assert.Null(ChannelName.UserOf("User:42"));
    }
}

public sealed class ChannelPatternTests
{
    private static ChannelPattern Parse(string text)
    {
        Assert.True(ChannelPattern.TryParse(text, out var pattern, out var problem), problem);
        return pattern;
    }

    [Fact]
    public void An_exact_pattern_matches_only_its_own_name()
    {
        var pattern = Parse("team:42");
        Assert.True(pattern.Matches("team:42"));
        Assert.False(pattern.Matches("team:420"));
        Assert.False(pattern.Matches("team:4"));
        Assert.False(pattern.Matches("Team:42"));
    }

    [Fact]
    public void A_prefix_pattern_matches_what_starts_with_it_and_nothing_that_only_looks_alike()
    {
        var pattern = Parse("job:*");
        Assert.True(pattern.Matches("job:1"));
        Assert.True(pattern.Matches("job:1:logs"));
        Assert.False(pattern.Matches("jobs:1"));
        Assert.False(pattern.Matches("job"));
        Assert.False(pattern.Matches("xjob:1"));
        Assert.True(Parse("team:4*").Matches("team:42"));
        Assert.False(Parse("team:4*").Matches("team:5"));
    }

    [Fact]
    public void A_lone_star_matches_everything_and_reaches_every_namespace()
    {
        var star = Parse("*");
        Assert.True(star.Matches("user:1"));
        Assert.True(star.Reaches("user:"));
        Assert.False(star.IsWithin("user:"));
    }

    [Theory]
    [InlineData("*", false)]
    [InlineData("pu*", false)]
    [InlineData("pusher:*", true)]
    [InlineData("pusher:1001:*", true)]
    [InlineData("pusher:1001:private-*", true)]
    [InlineData("pusher:1001:private-admin", true)]
    [InlineData("pusher:2002:*", false)]
    public void Only_a_pattern_written_inside_the_Pusher_namespace_reaches_a_Pusher_apps_channel(string pattern, bool matches)
    {
        Assert.Equal(matches, Parse(pattern).Matches("pusher:1001:private-admin"));
    }

    [Theory]
    [InlineData("user:*", true)]
    [InlineData("us*", true)]
    [InlineData("user:42", true)]
    [InlineData("users:*", false)]
    [InlineData("public:*", false)]
    [InlineData("global", false)]
    public void Knows_whether_it_reaches_into_a_namespace(string text, bool reaches) => Assert.Equal(reaches, Parse(text).Reaches("user:"));

    [Theory]
    [InlineData("")]
    [InlineData("**")]
    [InlineData("*:x")]
    [InlineData("team:*:logs")]
    [InlineData("te am:*")]
    [InlineData(":*")]
    [InlineData("user:")]
    public void Refuses_malformed_patterns(string text) => Assert.False(ChannelPattern.TryParse(text, out _, out _));

    [Fact]
    public void A_list_refuses_all_if_one_is_bad_and_caps_the_count()
    {
        Assert.False(ChannelPatterns.TryParse(["team:1", "bad pattern"], out _, out var problem));
        Assert.Contains("bad pattern", problem);
        Assert.False(ChannelPatterns.TryParse(Enumerable.Range(0, ChannelPatterns.MaxCount + 1).Select(i => $"t:{i}"), out _, out _));
        Assert.True(ChannelPatterns.TryParse(Enumerable.Range(0, ChannelPatterns.MaxCount).Select(i => $"t:{i}"), out _, out _));
    }

    [Fact]
    public void A_comma_separated_setting_skips_blanks()
    {
        Assert.True(ChannelPatterns.TryParseList(" global , public:* ,", out var patterns, out _));
        Assert.Equal(["global", "public:*"], patterns.Items.Select(p => p.Text));
        Assert.True(ChannelPatterns.TryParseList("", out var none, out _));
        Assert.True(none.IsEmpty);
    }
}
