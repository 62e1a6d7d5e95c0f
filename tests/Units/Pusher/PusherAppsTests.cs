using Notifications.Configuration;
using Notifications.Pusher.Apps;

namespace Notifications.Tests.Units.Pusher;

public sealed class PusherAppsTests
{
    private static PusherAppsParse Parse(string? apps, Action<PusherOptions>? configure = null)
    {
        var options = new PusherOptions { Apps = apps };
        configure?.Invoke(options);
        return PusherAppsParser.Parse(options);
    }

    [Fact]
    public void Unset_means_no_apps_and_no_errors()
    {
        Assert.Empty(Parse(null).Apps);
        Assert.Empty(Parse("  ").Errors);
    }

    [Fact]
    public void Triples_give_one_app_each_with_the_settings_limits_and_a_secret_may_hold_colons()
    {
        var parse = Parse(" 1:key-one:s3cr:et , 2:key-two:other ", o => o.MaxPresenceMembers = 250);

        Assert.Empty(parse.Errors);
        Assert.Equal(["1", "2"], parse.Apps.Select(a => a.Id));
        Assert.Equal(["key-one", "key-two"], parse.Apps.Select(a => a.Key));
        Assert.Equal(new AppSecret("s3cr:et").Sign("x"), parse.Apps[0].Secret.Sign("x"));
        Assert.All(parse.Apps, a => Assert.Equal(250, a.Limits.MaxPresenceMembers));
    }

    [Fact]
    public void Json_entries_override_the_settings_limits_for_their_app_only()
    {
        var parse = Parse("""[{"id":"a","key":"ka","secret":"sa","maxPresenceMembers":500,"clientEvents":false},{"id":"b","key":"kb","secret":"sb"}]""");

        Assert.Empty(parse.Errors);
        Assert.Equal(500, parse.Apps[0].Limits.MaxPresenceMembers);
        Assert.False(parse.Apps[0].Limits.ClientEvents);
        Assert.Equal(100, parse.Apps[1].Limits.MaxPresenceMembers);
        Assert.True(parse.Apps[1].Limits.ClientEvents);
    }

    [Theory]
    [InlineData("1:key", "secret must be")]
    [InlineData("a b:key:secret", "the id must be")]
    [InlineData("1:k/ey:secret", "the key must be")]
    [InlineData("1:k:s,1:k2:s2", "share the id '1'")]
    [InlineData("1:k:s,2:k:s2", "share the key 'k'")]
    [InlineData("""[{"id":"1","key":"k","secret":"s","maxPresenceMembers":0}]""", "maxPresenceMembers must be between 1 and 100000")]
    [InlineData("""[{"id":"1","key":"k","secret":"s","maxPresenseMembers":5}]""", "not a JSON array of apps with known fields")]
    [InlineData("[{", "not a JSON array")]
    public void A_bad_entry_is_refused_with_a_message_naming_the_problem(string apps, string expected)
    {
        var parse = Parse(apps);

        Assert.Empty(parse.Apps);
        Assert.Contains(parse.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1:key:TOPSECRET-1,1:key2:TOPSECRET-2")]
    [InlineData("""[{"id":"1","key":"k","secret":"TOPSECRET-1","maxEventBytes":1},{"id":"2","key":"k2","secret":"TOPSECRET-2","bogus":"TOPSECRET-3"}]""")]
    [InlineData("""[{"id":"1","key":"k","secret":TOPSECRET}]""")]
    public void Errors_never_quote_a_secret(string apps)
    {
        var parse = Parse(apps);

        Assert.NotEmpty(parse.Errors);
        Assert.DoesNotContain(parse.Errors, e => e.Contains("TOPSECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void An_app_printed_anywhere_shows_no_secret()
    {
        var app = Parse("1:key:TOPSECRET").Apps[0];

        Assert.DoesNotContain("TOPSECRET", app.ToString(), StringComparison.Ordinal);
        Assert.Contains("[redacted]", app.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_validator_fails_boot_on_a_bad_list_and_on_a_limit_out_of_range()
    {
        var bad = new PusherOptions { Apps = "1:key" };
        var tooMany = new PusherOptions { Apps = "1:key:s", MaxBatchSize = 0 };

        Assert.True(new PusherOptionsValidator().Validate(null, bad).Failed);
        Assert.True(new PusherAnnotationsValidator().Validate(null, tooMany).Failed);
        Assert.True(new PusherOptionsValidator().Validate(null, new PusherOptions { Apps = "1:key:s" }).Succeeded);
    }

    [Fact]
    public void A_bad_setting_every_app_inherits_is_not_repeated_for_each_app()
    {
        var parse = Parse("1:key:s,2:other:t", o => o.MaxPresenceMembers = 0);
        var own = Parse("""[{"id":"1","key":"k","secret":"s","maxEventBytes":1},{"id":"2","key":"l","secret":"t"}]""", o => o.MaxPresenceMembers = 0);

        Assert.Empty(parse.Errors);
        Assert.Equal(["PUSHER_APPS app #1 ('1'): maxEventBytes must be between 256 and 1048576."], own.Errors);
        Assert.True(new PusherAnnotationsValidator().Validate(null, new PusherOptions { MaxPresenceMembers = 0 }).Failed);
    }

    [Fact]
    public void The_registry_finds_apps_by_key_and_by_id()
    {
        var apps = PusherApps.From(new PusherOptions { Apps = "1:key-one:s,2:key-two:t" });

        Assert.True(apps.Enabled);
        Assert.Equal("2", apps.ByKey("key-two")!.Id);
        Assert.Equal("key-one", apps.ById("1")!.Key);
        Assert.Null(apps.ByKey("nope"));
        Assert.False(PusherApps.From(new PusherOptions()).Enabled);
    }

    [Fact]
    public void A_secret_verifies_its_own_signature_in_either_hex_case_and_nothing_else()
    {
        var secret = new AppSecret("app-secret");
        string signature = secret.Sign("123.456:private-orders.5");

        // The Node SDK's authorizeChannel gave this signature for the same text and secret.
        Assert.Equal("2fff026ef2d817e60876c4ba3c6d3ca7d6f612166febe1cb37f28076a616c906", signature);
        Assert.True(secret.Verify("123.456:private-orders.5", signature));
        Assert.True(secret.Verify("123.456:private-orders.5", signature.ToUpperInvariant()));
        Assert.False(secret.Verify("123.456:private-orders.6", signature));
        Assert.False(secret.Verify("123.456:private-orders.5", signature.AsSpan(0, signature.Length - 1)));
        Assert.False(secret.Verify("123.456:private-orders.5", signature[..^2] + "zz"));
        Assert.False(new AppSecret("other").Verify("123.456:private-orders.5", signature));
    }
}
