using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Notifications.Api;
using Notifications.Configuration;

namespace Notifications.Tests.Units.Api;

public sealed class ApiKeysTests
{
    private const string Laravel = "laravel-secret-0123456789abcdef";
    private const string LaravelNext = "laravel-secret-NEXT-456789abcdef";
    private const string Ci = "ci-secret-0123456789abcdef-ci";

    private static ApiKeys Keys(string setting, params ApiKey[] added) =>
        new(Options.Create(new PublishApiOptions { Keys = setting }), added);

    [Fact]
    public void Finds_a_key_by_its_secret_and_nothing_by_a_wrong_one()
    {
        var keys = Keys($"laravel:{Laravel},ci:{Ci}");

        Assert.True(keys.Enabled);
        Assert.Equal("laravel", keys.Find(Laravel)?.Name);
        Assert.Equal("ci", keys.Find(Ci)?.Name);
        Assert.Null(keys.Find(Laravel + "x"));
        Assert.Null(keys.Find(Laravel.AsSpan(0, Laravel.Length - 1)));
        Assert.Null(keys.Find("laravel"));
        Assert.Null(keys.Find(""));
        Assert.Null(keys.Find(new string('a', ApiKeys.MaxSecretLength + 1)));
    }

    [Fact]
    public void A_rotation_is_two_secrets_under_one_name_and_both_work()
    {
        var keys = Keys($"laravel:{Laravel},laravel:{LaravelNext}");
        Assert.Equal("laravel", keys.Find(Laravel)?.Name);
        Assert.Equal("laravel", keys.Find(LaravelNext)?.Name);

        var rotated = Keys($"laravel:{LaravelNext}");
        Assert.Null(rotated.Find(Laravel));
        Assert.NotNull(rotated.Find(LaravelNext));
    }

    [Fact]
    public void No_setting_means_no_keys_and_the_api_off()
    {
        Assert.False(Keys("").Enabled);
        Assert.False(Keys("  ").Enabled);
        Assert.Null(Keys("").Find(Laravel));
    }

    [Fact]
    public void Keys_the_host_adds_are_found_like_the_configured_ones()
    {
        var demo = ApiKey.FromSecret("demo", "demo-secret-0123456789abcdef", Patterns("user:*"));
        var keys = Keys("", demo);
        Assert.True(keys.Enabled);
        Assert.Same(demo, keys.Find("demo-secret-0123456789abcdef"));
    }

    [Fact]
    public void Only_a_hash_of_the_secret_is_kept()
    {
        var key = Keys($"laravel:{Laravel}").Find(Laravel)!;
        Assert.Equal(32, key.SecretHash.Length);
        Assert.DoesNotContain(Laravel, key.ToString());
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Laravel)), key.SecretHash);
    }

    [Fact]
    public void The_json_form_limits_keys_to_channel_patterns()
    {
        var keys = Keys($$"""[{"name":"ci","secret":"{{Ci}}","channels":["public:deploys","team:*"]},{"name":"laravel","secret":"{{Laravel}}"}]""");

        var ci = keys.Find(Ci)!;
        Assert.True(ci.Channels.Matches("public:deploys"));
        Assert.True(ci.Channels.Matches("team:7"));
        Assert.False(ci.Channels.Matches("user:42"));
        Assert.False(ci.Channels.Matches("global"));
        Assert.True(keys.Find(Laravel)!.Channels.Matches("user:42"), "no channels: every channel");
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer   abc  ", "abc")]
    [InlineData("BEARER abc", "abc")]
    [InlineData("Basic abc", "")]
    [InlineData("Bearer", "")]
    [InlineData("Bearer ", "")]
    [InlineData(null, "")]
    [InlineData("abc", "")]
    public void Reads_the_secret_of_a_bearer_header(string? header, string secret) =>
        Assert.Equal(secret, ApiKeys.BearerSecret(header).ToString());

    [Theory]
    [InlineData("laravel", "the secret must be 24")]
    [InlineData("laravel:short", "the secret must be 24 to 512")]
    [InlineData("bad name!:0123456789abcdef0123456789", "the name must be 1 to 64")]
    [InlineData("laravel:0123456789abcdef 0123456789", "visible ASCII")]
    [InlineData("a:0123456789abcdef0123456789,b:0123456789abcdef0123456789", "have the same secret")]
    [InlineData("""[{"name":"a","secret":"0123456789abcdef0123456789","channels":[]}]""", "channels is empty")]
    [InlineData("""[{"name":"a","secret":"0123456789abcdef0123456789","channels":["te*am"]}]""", "'*' may stand only at the end")]
    [InlineData("""[{"name":"a","secret":"0123456789abcdef0123456789","chanels":["x"]}]""", "not a JSON array of keys")]
    [InlineData("""[{"name":"a","secret":"0123456789abcdef0123456789","channels":["x"]},{"name":"a","secret":"9123456789abcdef0123456789","channels":["y"]}]""", "must allow the same")]
    public void A_bad_setting_fails_the_boot_with_a_message_that_names_the_key_but_never_its_secret(string setting, string expected)
    {
        var result = new PublishApiOptionsValidator().Validate(null, new PublishApiOptions { Keys = setting });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
        Assert.DoesNotContain("0123456789abcdef", result.FailureMessage);
        Assert.DoesNotContain("short", result.FailureMessage);
    }

    [Fact]
    public void A_json_fault_is_placed_without_quoting_the_text_around_it()
    {
        var result = new PublishApiOptionsValidator().Validate(null, new PublishApiOptions { Keys = "[{\"name\":\"a\",\"secret\":\"" + Laravel + "\"" });
        Assert.True(result.Failed);
        Assert.DoesNotContain(Laravel, result.FailureMessage);
    }

    [Theory]
    [InlineData("PUBLISH_API_BURST", "99", "Burst")]
    [InlineData("PUBLISH_API_RATE_PER_SECOND", "0", "RatePerSecond")]
    [InlineData("PUBLISH_API_MAX_DATA_BYTES", "16385", "MaxDataBytes")]
    public void Limits_out_of_range_fail_the_boot_naming_the_property(string name, string value, string expected)
    {
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection([new(name, value)]).Build().Get<PublishApiOptions>()!;
        var result = new PublishApiAnnotationsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
    }

    internal static Notifications.Channels.ChannelPatterns Patterns(params string[] patterns)
    {
        Assert.True(Notifications.Channels.ChannelPatterns.TryParse(patterns, out var parsed, out _));
        return parsed;
    }
}
