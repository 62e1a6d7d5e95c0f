using Microsoft.Extensions.Options;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Messages;

namespace Notifications.Tests.Units.Channels;

public sealed class ChannelPolicyTests
{
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddHours(1);

    private static ChannelPolicy Policy(string clientPublish = ChannelOptions.DefaultClientPublish) =>
        new(Options.Create(new ChannelOptions { ClientPublish = clientPublish }));

    private static ConnectionIdentity User(string id, string[]? channels = null, string[]? publish = null)
    {
        Assert.True(ChannelPatterns.TryParse(channels ?? [], out var allowed, out _));
        Assert.True(ChannelPatterns.TryParse(publish ?? [], out var publishable, out _));
        return new ConnectionIdentity(id, allowed, publishable, Later);
    }

    [Fact]
    public void Anyone_may_join_global_and_public_channels()
    {
        var policy = Policy();
        Assert.True(policy.CanJoin(null, "global").Allowed);
        Assert.True(policy.CanJoin(null, "public:lobby").Allowed);
        Assert.True(policy.CanJoin(User("1"), "public:lobby").Allowed);
    }

    [Fact]
    public void A_user_channel_is_its_owners_alone_whatever_a_token_says()
    {
        var policy = Policy();
        Assert.Equal(ErrorCodes.AuthRequired, policy.CanJoin(null, "user:42").Code);
        Assert.True(policy.CanJoin(User("42"), "user:42").Allowed);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(User("41"), "user:42").Code);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(User("41", ["user:*", "*", "user:42"]), "user:42").Code);
        // "4" is a prefix of "42", and "user:42:x" is not user 42's channel.
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(User("4"), "user:42").Code);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(User("42"), "user:42:x").Code);
    }

    [Fact]
    public void Other_namespaces_need_a_token_whose_patterns_allow_them()
    {
        var policy = Policy();
        var user = User("1", ["team:42", "job:*"]);
        Assert.Equal(ErrorCodes.AuthRequired, policy.CanJoin(null, "team:42").Code);
        Assert.True(policy.CanJoin(user, "team:42").Allowed);
        Assert.True(policy.CanJoin(user, "job:7").Allowed);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(user, "team:43").Code);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(user, "jobs:7").Code);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanJoin(User("1"), "team:42").Code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("team 42")]
    [InlineData("user:")]
    public void A_malformed_name_is_invalid_channel_before_any_rule(string? name) =>
        Assert.Equal(ErrorCodes.InvalidChannel, Policy().CanJoin(User("1", ["*"]), name).Code);

    [Fact]
    public void Clients_publish_to_global_by_default_and_never_to_a_user_channel()
    {
        var policy = Policy();
        Assert.True(policy.CanPublish(null, "global").Allowed);
        Assert.Equal(ErrorCodes.PublishForbidden, policy.CanPublish(null, "public:lobby").Code);
        Assert.Equal(ErrorCodes.PublishForbidden, policy.CanPublish(User("42", publish: ["*"]), "user:42").Code);
        Assert.Equal(ErrorCodes.ChannelForbidden, policy.CanPublish(User("41", publish: ["*"]), "user:42").Code);
    }

    [Fact]
    public void The_setting_and_the_token_widen_publishing_but_only_where_joining_is_allowed()
    {
        Assert.True(Policy("global,public:*").CanPublish(null, "public:lobby").Allowed);
        Assert.Equal(ErrorCodes.PublishForbidden, Policy("").CanPublish(null, "global").Code);
        var user = User("1", ["team:42"], ["team:*"]);
        Assert.True(Policy().CanPublish(user, "team:42").Allowed);
        Assert.Equal(ErrorCodes.ChannelForbidden, Policy().CanPublish(user, "team:43").Code);
        Assert.Equal(ErrorCodes.PublishForbidden, Policy().CanPublish(User("1", ["team:42"]), "team:42").Code);
    }

    [Fact]
    public void A_narrowed_token_names_the_channels_to_leave()
    {
        var policy = Policy();
        string[] joined = ["global", "public:lobby", "user:1", "team:42", "team:43", "job:7"];

        var left = policy.NoLongerAllowed(User("1", ["team:42"]), joined);

        Assert.Equal(["team:43", "job:7"], left);
        Assert.Equal(["user:1", "team:42", "team:43", "job:7"], policy.NoLongerAllowed(null, joined));
    }
}

public sealed class ChannelOptionsValidatorTests
{
    private static bool Valid(string? clientPublish, out string? failure)
    {
        var result = new ChannelOptionsValidator().Validate(null, new ChannelOptions { ClientPublish = clientPublish });
        failure = result.FailureMessage;
        return result.Succeeded;
    }

    [Theory]
    [InlineData("global")]
    [InlineData("global,public:*")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("team:*,users:*")]
    public void Accepts_lists_that_stay_out_of_user_channels(string? value) => Assert.True(Valid(value, out _));

    [Theory]
    [InlineData("*")]
    [InlineData("user:*")]
    [InlineData("global,user:42")]
    [InlineData("u*")]
    public void Refuses_lists_that_reach_user_channels(string value)
    {
        Assert.False(Valid(value, out var failure));
        Assert.Contains("user", failure);
    }

    [Fact]
    public void Refuses_a_malformed_pattern_naming_the_setting()
    {
        Assert.False(Valid("global,team 1", out var failure));
        Assert.Contains("CHANNELS_CLIENT_PUBLISH", failure);
    }

    [Fact]
    public void The_annotations_bound_the_numbers()
    {
        Assert.False(new ChannelAnnotationsValidator().Validate(null, new ChannelOptions { MaxPerSocket = 0 }).Succeeded);
        Assert.False(new ChannelAnnotationsValidator().Validate(null, new ChannelOptions { WindowTotal = 5 }).Succeeded);
        Assert.True(new ChannelAnnotationsValidator().Validate(null, new ChannelOptions()).Succeeded);
    }
}
