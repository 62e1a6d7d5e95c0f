using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Notifications.Configuration;
using Notifications.Identity;
using Notifications.Tests.Infrastructure;
using static Notifications.Tests.Units.Identity.TestTokens;

namespace Notifications.Tests.Units.Identity;

/// <summary>JWKS documents from a file and from a real HTTP server on 127.0.0.1, including key rotation.</summary>
public sealed class JwksTests : IAsyncDisposable
{
    private readonly RSA _first = RSA.Create(2048);
    private readonly RSA _second = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _clock = new(Now);
    private WebApplication? _server;
    private volatile string _document = "";
    private volatile string _contentType = "application/json";
    private volatile TaskCompletionSource? _hold;
    private int _requests;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _first.Dispose();
        _second.Dispose();
        _ec.Dispose();
    }

    private static string Document(params string[] keys) => $$"""{"keys":[{{string.Join(",", keys)}}]}""";

    /// <summary>Served a document with k1 alone, read every 300 s, and started.</summary>
    private async Task<(TokenValidator Validator, SigningKeys Keys, JwksSource Jwks)> StartedWithFirstKeyAsync()
    {
        var url = await ServeAsync(Document(RsaJwk(_first, "k1")));
        var started = Validator(new AuthOptions { JwksUrl = url, JwksRefreshSeconds = 300 }, _clock);
        await started.Jwks.StartAsync(TestContext.Current.CancellationToken);
        return started;
    }

    private string RsaToken(RSA rsa, string kid) => Sign(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, Claims(), kid);

    private async Task<string> ServeAsync(string document)
    {
        _document = document;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/jwks", async (HttpContext context) =>
        {
            Interlocked.Increment(ref _requests);
            if (_hold is { } hold)
                await hold.Task;
            context.Response.ContentType = _contentType;
            await context.Response.WriteAsync(_document);
        });
        await _server.StartAsync(TestContext.Current.CancellationToken);
        var address = _server.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return address + "/jwks";
    }

    [Fact]
    public async Task Keys_from_a_JWKS_file_check_RS256_and_ES256_tokens()
    {
        var file = WriteTemp(Document(RsaJwk(_first, "r1"), EcJwk(_ec, "e1")), ".json");
        try
        {
            var (validator, keys, jwks) = Validator(new AuthOptions { JwksUrl = file }, _clock);
            await jwks.StartAsync(TestContext.Current.CancellationToken);

            Assert.Equal(2, keys.JwksCount);
            Assert.Null((await validator.CheckAsync(RsaToken(_first, "r1"))).Refusal);
            Assert.Null((await validator.CheckAsync(Sign(new ECDsaSecurityKey(_ec), SecurityAlgorithms.EcdsaSha256, Claims(), "e1"))).Refusal);
            Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(_second, "r1"))).Refusal?.Problem);
            await jwks.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Symmetric_and_encryption_keys_in_a_JWKS_are_skipped()
    {
        // An "oct" key in a public document would let anyone who reads it mint HS256 tokens; it must never count.
        var secret = Encoding.UTF8.GetBytes(Secret);
        var file = WriteTemp(Document(
            $$"""{"kty":"oct","kid":"s1","k":"{{Base64Url(secret)}}"}""",
            RsaJwk(_second, "enc1").Replace("\"use\":\"sig\"", "\"use\":\"enc\""),
            RsaJwk(_first, "r1")), ".json");
        try
        {
            var (validator, keys, jwks) = Validator(new AuthOptions { JwksUrl = file }, _clock);
            await jwks.StartAsync(TestContext.Current.CancellationToken);

            Assert.Equal(1, keys.JwksCount);
            var hs = Sign(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256, Claims(), "s1");
            Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(hs)).Refusal?.Problem);
            Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(_second, "enc1"))).Refusal?.Problem);
            await jwks.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_rotated_key_is_fetched_when_a_token_names_it_but_at_most_once_per_interval()
    {
        var url = await ServeAsync(Document(RsaJwk(_first, "k1")));
        var (validator, keys, jwks) = Validator(new AuthOptions { JwksUrl = url }, _clock);
        await jwks.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _requests);
        Assert.Null((await validator.CheckAsync(RsaToken(_first, "k1"))).Refusal);

        // The issuer rotates: the document now has k2, and a token signed by it arrives.
        _document = Document(RsaJwk(_first, "k1"), RsaJwk(_second, "k2"));
        _clock.Advance(JwksSource.MinInterval);
        Assert.Null((await validator.CheckAsync(RsaToken(_second, "k2"))).Refusal);
        Assert.Equal(2, _requests);

        // An unknown id right after is refused without another fetch: unknown ids cannot hammer the provider.
        using var third = RSA.Create(2048);
        Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(third, "k3"))).Refusal?.Problem);
        Assert.Equal(2, _requests);
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_document_is_read_again_every_interval_and_a_failed_read_keeps_the_keys()
    {
        var (validator, keys, jwks) = await StartedWithFirstKeyAsync();
        Assert.Equal(1, _requests);

        // The loop's timer is set on a pool thread, maybe after an advance: so advance until the read comes.
        _document = "not json";
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => _requests >= 2), "the second read");
        Assert.Equal(1, keys.JwksCount);
        Assert.Null((await validator.CheckAsync(RsaToken(_first, "k1"))).Refusal);

        _document = Document(RsaJwk(_second, "k2"));
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => keys.Knows("k2")), "the rotated key read");
        Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(_first, "k1"))).Refusal?.Problem);
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_answer_the_runtime_cannot_read_or_with_no_usable_key_is_a_failed_read_that_keeps_the_keys()
    {
        var (validator, keys, jwks) = await StartedWithFirstKeyAsync();
        Assert.Equal(1, keys.JwksCount);

        // A charset .NET does not know (a proxy's misspelling): reading the body throws, and a token that asks for a read is refused, not failed with a 500.
        _contentType = "application/json; charset=bogus";
        _document = Document(RsaJwk(_second, "k2"));
        _clock.Advance(JwksSource.MinInterval);
        Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(_second, "k2"))).Refusal?.Problem);
        Assert.Equal(2, _requests);
        // The refresh loop meets the same answer and goes on.
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => _requests >= 3), "the loop's read");
        Assert.False(jwks.ExecuteTask!.IsCompleted);

        // A well-formed answer with no key it can use keeps the keys too, for a while.
        _contentType = "application/json";
        _document = Document();
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => _requests >= 4), "the empty document's read");
        Assert.Equal(1, keys.JwksCount);
        Assert.Null((await validator.CheckAsync(RsaToken(_first, "k1"))).Refusal);
        Assert.False(jwks.ExecuteTask!.IsCompleted);
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_provider_that_goes_on_answering_with_no_usable_key_has_withdrawn_its_keys_after_the_grace()
    {
        var (validator, keys, jwks) = await StartedWithFirstKeyAsync();
        Assert.Equal(1, keys.JwksCount);

        // The provider now publishes only a key of a kind never taken here: k1 is withdrawn.
        _document = Document("""{"kty":"oct","kid":"s1","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}""");
        var asked = _clock.GetUtcNow();
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => _requests >= 2), "the first answer with no usable key");
        var firstAnswer = _clock.GetUtcNow();
        Assert.Null((await validator.CheckAsync(LongToken(_first, "k1"))).Refusal);
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => keys.JwksCount == 0), "the keys dropped");

        // Not before the grace had run from the first such answer, nor much later.
        var dropped = _clock.GetUtcNow();
        Assert.True(dropped - firstAnswer >= JwksSource.NoKeyGrace - TimeSpan.FromSeconds(300), $"dropped {dropped - firstAnswer} after the first answer");
        Assert.True(dropped - asked <= JwksSource.NoKeyGrace + TimeSpan.FromSeconds(900), $"dropped {dropped - asked} after the document changed");
        Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(LongToken(_first, "k1"))).Refusal?.Problem);
        Assert.False(jwks.ExecuteTask!.IsCompleted);

        // A usable key again is taken, and a later answer with none starts a new grace.
        _document = Document(RsaJwk(_second, "k2"));
        await Eventually.TrueAsync(() => Advanced(JwksSource.MinInterval, () => keys.Knows("k2")), "the new key read");
        Assert.Null((await validator.CheckAsync(LongToken(_second, "k2"))).Refusal);
        _document = Document();
        int before = _requests;
        await Eventually.TrueAsync(() => Advanced(TimeSpan.FromSeconds(300), () => _requests >= before + 2), "two answers with no key");
        Assert.True(keys.Knows("k2"));
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }

    // Valid for a day from the test's start: the grace's hour of reads moves the clock on.
    private static string LongToken(RSA rsa, string kid) =>
        Sign(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, Claims(expiresIn: TimeSpan.FromDays(1)), kid);

    [Fact(Timeout = 30_000)]
    public async Task Tokens_that_ask_while_a_read_runs_share_it_and_one_that_leaves_does_not_cancel_it()
    {
        var url = await ServeAsync(Document(RsaJwk(_first, "k1")));
        var (validator, keys, jwks) = Validator(new AuthOptions { JwksUrl = url }, _clock);
        await jwks.StartAsync(TestContext.Current.CancellationToken);
        _document = Document(RsaJwk(_first, "k1"), RsaJwk(_second, "k2"));
        var hold = _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _clock.Advance(JwksSource.MinInterval);

        using var leaving = new CancellationTokenSource();
        var first = validator.ValidateAsync(RsaToken(_second, "k2"), leaving.Token).AsTask();
        await Eventually.TrueAsync(() => _requests == 2, "the read the first token asked for");
        var second = validator.ValidateAsync(RsaToken(_second, "k2"), TestContext.Current.CancellationToken).AsTask();
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        hold.SetResult();

        // The read went on without the client that asked for it, and served the second token too: one fetch.
        Assert.Null((await second).Refusal);
        Assert.Equal(2, _requests);
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }

    private bool Advanced(TimeSpan by, Func<bool> condition)
    {
        if (condition())
            return true;
        _clock.Advance(by);
        return false;
    }

    [Fact(Timeout = 30_000)]
    public async Task An_unreachable_provider_at_startup_does_not_stop_the_start_and_tokens_are_refused_meanwhile()
    {
        var (validator, keys, jwks) = Validator(new AuthOptions { JwksUrl = "http://127.0.0.1:9/jwks" }, _clock);
        await jwks.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, keys.JwksCount);
        Assert.Equal(TokenProblem.Signature, (await validator.CheckAsync(RsaToken(_first, "k1"))).Refusal?.Problem);
        await jwks.StopAsync(TestContext.Current.CancellationToken);
    }
}
