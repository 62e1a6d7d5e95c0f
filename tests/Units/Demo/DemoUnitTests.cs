using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notifications.Configuration;
using Notifications.Demo;
using Notifications.Tests.Units.Identity;

namespace Notifications.Tests.Units.Demo;

public sealed class DevTokenIssuerTests
{
    private readonly FakeTimeProvider _clock = new(TestTokens.Now);

    private DevTokenIssuer Issuer(AuthOptions auth, int seconds = 600) =>
        new(Options.Create(auth), Options.Create(new DemoOptions { DevTokens = true, DevTokenSeconds = seconds }), _clock);

    [Fact]
    public async Task Its_tokens_pass_the_servers_own_check_as_the_named_user_for_the_set_lifetime()
    {
        var auth = new AuthOptions { Hs256Secret = TestTokens.Secret };
        var token = Issuer(auth, seconds: 120).Issue("ada");

        var check = await TestTokens.Validator(auth, _clock).Validator.CheckAsync(token.Token);

        Assert.Equal("ada", check.Identity?.UserId);
        Assert.Equal("user:ada", check.Identity!.UserChannel);
        Assert.Equal(TestTokens.Now.AddSeconds(120), token.ExpiresAt);
        Assert.Equal(token.ExpiresAt, check.Identity.ExpiresAt);
    }

    [Fact]
    public async Task It_names_the_issuer_and_audience_the_server_requires()
    {
        var auth = new AuthOptions { Hs256Secret = TestTokens.Secret, Issuer = "https://app.example", Audience = "notifications,other" };
        var check = await TestTokens.Validator(auth, _clock).Validator.CheckAsync(Issuer(auth).Issue("ada").Token);
        Assert.Null(check.Refusal);
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_refused()
    {
        var token = Issuer(new AuthOptions { Hs256Secret = TestTokens.Secret + "-other" }).Issue("ada");
        var check = await TestTokens.Validator(new AuthOptions { Hs256Secret = TestTokens.Secret }, _clock).Validator.CheckAsync(token.Token);
        Assert.NotNull(check.Refusal);
    }

    [Theory]
    [InlineData("ada", true)]
    [InlineData("user-42.x", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("ada:", false)]
    [InlineData("é", false)]
    public void User_names_are_what_a_user_channel_can_hold(string user, bool valid) =>
        Assert.Equal(valid, DevTokenIssuer.UserProblem(user) is null);

    [Fact]
    public void A_user_name_too_long_for_its_channel_is_refused()
    {
        Assert.Null(DevTokenIssuer.UserProblem(new string('a', 123)));
        Assert.NotNull(DevTokenIssuer.UserProblem(new string('a', 124)));
    }
}

public sealed class DemoKeyTests
{
    [Fact]
    public void Every_instance_with_the_same_secret_derives_the_same_key_and_another_secret_another()
    {
        var one = new DemoKey(TestTokens.Secret);
        var two = new DemoKey(TestTokens.Secret);
        Assert.Equal(one.Secret, two.Secret);
        Assert.Equal(one.Key.SecretHash, two.Key.SecretHash);
        Assert.NotEqual(one.Secret, new DemoKey(TestTokens.Secret + "x").Secret);
        Assert.DoesNotContain(TestTokens.Secret, one.Secret);
        Assert.InRange(one.Secret.Length, 24, 512);
    }

    [Fact]
    public void The_demo_key_publishes_to_user_channels_only()
    {
        var key = new DemoKey(TestTokens.Secret).Key;
        Assert.Equal("demo", key.Name);
        Assert.True(key.Channels.Matches("user:ada"));
        Assert.False(key.Channels.Matches("global"));
        Assert.False(key.Channels.Matches("team:1"));
        Assert.Equal("[demo key]", new DemoKey(TestTokens.Secret).ToString());
    }
}

public sealed class DemoOptionsValidatorTests
{
    private static string Validate(DemoOptions demo, string? secret = TestTokens.Secret, string? publishKeys = null) =>
        new DemoOptionsValidator(Options.Create(new AuthOptions { Hs256Secret = secret }), Options.Create(new PublishApiOptions { Keys = publishKeys }))
            .Validate(null, demo).FailureMessage ?? "";

    [Fact]
    public void A_configured_publish_key_may_not_be_named_as_the_demos()
    {
        const string Secret = "0123456789abcdef0123456789abcdef";
        Assert.Contains("PUBLISH_API_KEYS has a key named 'demo'", Validate(new DemoOptions { Enabled = true }, publishKeys: $"demo:{Secret}"));
        Assert.Equal("", Validate(new DemoOptions { Enabled = true }, publishKeys: $"laravel:{Secret}"));
        Assert.Equal("", Validate(new DemoOptions(), publishKeys: $"demo:{Secret}"));
    }

    [Fact]
    public void Off_by_default_and_then_nothing_is_needed()
    {
        var demo = new DemoOptions();
        Assert.False(demo.Enabled);
        Assert.False(demo.DevTokens);
        Assert.Equal("", Validate(demo, secret: null));
    }

    [Fact]
    public void Either_switch_needs_the_hs256_secret()
    {
        Assert.Contains("DEV_TOKENS needs AUTH_HS256_SECRET", Validate(new DemoOptions { DevTokens = true }, secret: null));
        Assert.Contains("DEMO_ENABLED needs AUTH_HS256_SECRET", Validate(new DemoOptions { Enabled = true }, secret: null));
        Assert.Equal("", Validate(new DemoOptions { DevTokens = true }));
    }

    [Fact]
    public void The_demo_finds_the_job_runner_built_beside_the_tests_or_the_one_named()
    {
        Assert.Equal("", Validate(new DemoOptions { Enabled = true }));
        Assert.NotNull(JobRunnerLocation.Find(null, AppContext.BaseDirectory));
        Assert.Contains("DEMO_JOB_RUNNER names '/nowhere/runner.dll'", Validate(new DemoOptions { Enabled = true, JobRunner = "/nowhere/runner.dll" }));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8081", true)]
    [InlineData("https://notifications.fly.dev, http://10.0.0.2:8080", true)]
    [InlineData("notifications.fly.dev", false)]
    [InlineData("ftp://x", false)]
    [InlineData("http://x/api/v1", false)]
    public void Publish_urls_are_base_urls(string urls, bool valid) =>
        Assert.Equal(valid, Validate(new DemoOptions { PublishUrls = urls }) == "");
}
