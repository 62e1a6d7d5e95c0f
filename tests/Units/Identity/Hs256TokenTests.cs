using Microsoft.Extensions.Time.Testing;
using Notifications.Configuration;
using Notifications.Identity;
using static Notifications.Tests.Units.Identity.TestTokens;

namespace Notifications.Tests.Units.Identity;

public sealed class Hs256TokenTests
{
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly TokenValidator _validator;

    public Hs256TokenTests() =>
        _validator = Validator(new AuthOptions { Hs256Secret = Secret, Issuer = "https://app.example", Audience = "notifications" }, _clock).Validator;

    private static Dictionary<string, object> Good(string sub = "42", TimeSpan? expiresIn = null, params (string, object)[] more) =>
        Claims(sub, expiresIn, [("iss", "https://app.example"), ("aud", "notifications"), .. more]);

    private async Task<TokenProblem?> Problem(string token) => (await _validator.CheckAsync(token)).Refusal?.Problem;

    [Fact]
    public async Task A_good_token_gives_the_user_its_patterns_and_its_expiry()
    {
        var check = await _validator.CheckAsync(Hs256(Good(more: [("channels", new[] { "team:42", "job:*" }), ("publish", "team:*")])));

        Assert.Null(check.Refusal);
        var identity = check.Identity!;
        Assert.Equal("42", identity.UserId);
        Assert.Equal("user:42", identity.UserChannel);
        Assert.True(identity.Channels.Matches("job:7"));
        Assert.False(identity.Channels.Matches("team:43"));
        Assert.True(identity.Publish.Matches("team:9"));
        Assert.Equal(Now.AddHours(1), identity.ExpiresAt);
    }

    [Fact]
    public async Task Channels_and_publish_are_optional()
    {
        var identity = (await _validator.CheckAsync(Hs256(Good()))).Identity!;
        Assert.True(identity.Channels.IsEmpty);
        Assert.True(identity.Publish.IsEmpty);
    }

    [Fact]
    public async Task An_expired_token_is_refused_after_the_skew_and_accepted_within_it()
    {
        Assert.Null(await Problem(Hs256(Good(expiresIn: TimeSpan.FromSeconds(-29)))));
        Assert.Equal(TokenProblem.Expired, await Problem(Hs256(Good(expiresIn: TimeSpan.FromSeconds(-31)))));

        var token = Hs256(Good(expiresIn: TimeSpan.FromMinutes(1)));
        Assert.Null(await Problem(token));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TokenProblem.Expired, await Problem(token));
    }

    [Fact]
    public async Task A_token_not_valid_yet_is_refused()
    {
        var claims = Good(more: ("nbf", Now.AddMinutes(5).ToUnixTimeSeconds()));
        Assert.Equal(TokenProblem.NotYetValid, await Problem(Hs256(claims)));
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("sub")]
    public async Task Sub_and_exp_are_required(string claim)
    {
        var claims = Good();
        claims.Remove(claim);
        Assert.Equal(TokenProblem.Claims, await Problem(Hs256(claims)));
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_refused()
    {
        Assert.Equal(TokenProblem.Signature, await Problem(Hs256(Good(), secret: "another-secret-of-at-least-thirty-two-bytes")));
    }

    [Fact]
    public async Task A_forged_payload_under_a_genuine_signature_is_refused()
    {
        var genuine = Hs256(Good(sub: "A"));
        var forged = Forged(genuine, Good(sub: "B"));

        Assert.Null(await Problem(genuine));
        Assert.Equal(TokenProblem.Signature, await Problem(forged));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    public async Task An_unsigned_token_is_refused_whatever_it_claims(string alg)
    {
        Assert.Equal(TokenProblem.Signature, await Problem(Unsigned(Good(), alg)));
    }

    [Fact]
    public async Task A_genuine_signature_stripped_off_is_refused()
    {
        var genuine = Hs256(Good());
        Assert.Equal(TokenProblem.Signature, await Problem(genuine[..(genuine.LastIndexOf('.') + 1)]));
    }

    [Fact]
    public async Task Another_audience_or_issuer_is_refused()
    {
        Assert.Equal(TokenProblem.Audience, await Problem(Hs256(Claims(more: [("iss", "https://app.example"), ("aud", "billing")]))));
        Assert.Equal(TokenProblem.Audience, await Problem(Hs256(Claims(more: [("iss", "https://app.example")]))));
        Assert.Equal(TokenProblem.Issuer, await Problem(Hs256(Claims(more: [("iss", "https://evil.example"), ("aud", "notifications")]))));
        Assert.Equal(TokenProblem.Issuer, await Problem(Hs256(Claims(more: [("aud", "notifications")]))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("user 42")]
    [InlineData("auth0 42")]
    [InlineData("a+b@example.com")]
    [InlineData("42:")]
    public async Task A_sub_that_makes_no_valid_user_channel_is_refused(string sub)
    {
        Assert.Equal(TokenProblem.Claims, await Problem(Hs256(Good(sub: sub))));
    }

    [Theory]
    [InlineData("auth0|abc123")]
    [InlineData("google-oauth2|108354896573")]
    [InlineData("ada@example.com")]
    [InlineData("0193a1c2-7d7e-7c1a-9a51-5f3b7e0d2a11")]
    public async Task Subs_of_identity_providers_and_e_mail_addresses_are_user_ids(string sub)
    {
        var identity = (await _validator.CheckAsync(Hs256(Good(sub: sub)))).Identity;
        Assert.Equal("user:" + sub, identity?.UserChannel);
    }

    [Fact]
    public async Task Malformed_channel_claims_refuse_the_token()
    {
        Assert.Equal(TokenProblem.Claims, await Problem(Hs256(Good(more: ("channels", new[] { "team:*:x" })))));
        Assert.Equal(TokenProblem.Claims, await Problem(Hs256(Good(more: ("channels", 42)))));
        Assert.Equal(TokenProblem.Claims, await Problem(Hs256(Good(more: ("publish", new object[] { "a", 1 })))));
        Assert.Null(await Problem(Hs256(Good(more: ("channels", "team:42")))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d.e.f")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.!!!.abc")]
    public async Task Garbage_is_refused_as_malformed(string token)
    {
        Assert.Equal(TokenProblem.Malformed, await Problem(token));
    }

    [Fact]
    public async Task An_overlong_token_is_refused_unread()
    {
        Assert.Equal(TokenProblem.Malformed, await Problem(Hs256(Good(more: ("pad", new string('x', TokenValidator.MaxTokenLength))))));
    }

    [Fact]
    public async Task A_token_too_long_for_a_refresh_frame_is_refused_at_the_handshake_too()
    {
        var small = Validator(new AuthOptions { Hs256Secret = Secret, Issuer = "https://app.example", Audience = "notifications" }, _clock, maxMessageBytes: 4096).Validator;
        string fits = Hs256(Good(more: ("pad", new string('x', 2500)))), over = Hs256(Good(more: ("pad", new string('x', 4100))));

        var refused = await small.CheckAsync(over);

        Assert.Null((await small.CheckAsync(fits)).Refusal);
        Assert.Equal(TokenProblem.Malformed, refused.Refusal?.Problem);
        Assert.Contains("over 4032 characters", refused.Refusal!.Reason);
        Assert.Null((await _validator.CheckAsync(over)).Refusal);
    }

    [Fact]
    public async Task Refusal_reasons_never_quote_the_token_or_its_claims()
    {
        var token = Hs256(Good(sub: "secret-user-7", more: ("channels", new[] { "team:secret-room" })), secret: "wrong-secret-but-long-enough-for-hs256!!");
        var refusal = (await _validator.CheckAsync(token)).Refusal!;
        Assert.DoesNotContain("secret-user-7", refusal.Reason);
        Assert.DoesNotContain("secret-room", refusal.Reason);
        Assert.DoesNotContain(token.Split('.')[1][..10], refusal.Reason);
    }

    [Fact]
    public async Task With_no_key_configured_every_token_is_refused()
    {
        var (validator, _, _) = Validator(new AuthOptions());
        Assert.False(validator.Enabled);
        Assert.Equal(TokenProblem.NotAccepted, (await validator.CheckAsync(Hs256(Good()))).Refusal?.Problem);
    }
}
