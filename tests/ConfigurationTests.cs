using Microsoft.Extensions.Options;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>A bad setting stops the server at boot with a message naming the setting, not at the first alert.</summary>
public sealed class ConfigurationTests(ITestOutputHelper output)
{
    [Theory(Timeout = 30_000)]
    [InlineData("PUBSUB_TOPIC", "goog-reserved", "PUBSUB_TOPIC")]
    [InlineData("PUBSUB_TOPIC", "x", "PUBSUB_TOPIC")]
    [InlineData("FLY_REGION", "a b", "FLY_REGION")]
    [InlineData("ALERT_MAX_LENGTH", "0", "MaxTextLength")]
    [InlineData("WS_SEND_QUEUE", "-1", "SendQueueCapacity")]
    [InlineData("LOG_SUMMARY_SECONDS", "0", "LogSummarySeconds")]
    [InlineData("PUBSUB_EMULATOR_HOST", "no-port", "PUBSUB_EMULATOR_HOST")]
    [InlineData("PUBSUB_PROJECT_ID", "my-project", "GOOGLE_CREDENTIALS_JSON")]
    [InlineData("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", "does not exist")]
    [InlineData("PUBSUB_ENDPOINT", "https://pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", "europe-west1-pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", " ", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("CHANNELS_MAX_PER_SOCKET", "0", "MaxPerSocket")]
    [InlineData("CHANNELS_CLIENT_PUBLISH", "global,user:*", "CHANNELS_CLIENT_PUBLISH may not reach user channels")]
    [InlineData("CHANNELS_CLIENT_PUBLISH", "pub*lic:x", "CHANNELS_CLIENT_PUBLISH")]
    [InlineData("CHANNEL_WINDOW_SIZE", "0", "WindowSize")]
    [InlineData("CHANNEL_WINDOW_TOTAL", "5", "WindowTotal")]
    [InlineData("AUTH_REQUIRED", "true", "AUTH_REQUIRED is true but no key is set")]
    [InlineData("AUTH_HS256_SECRET", "too-short", "AUTH_HS256_SECRET is 9 bytes")]
    [InlineData("AUTH_PUBLIC_KEY_FILE", "/nonexistent/keys.pem", "AUTH_PUBLIC_KEY_FILE")]
    [InlineData("AUTH_JWKS_URL", "http://keys.example.com/jwks.json", "AUTH_JWKS_URL")]
    [InlineData("AUTH_JWKS_REFRESH_SECONDS", "5", "JwksRefreshSeconds")]
    [InlineData("AUTH_ISSUER", " ", "AUTH_ISSUER is blank")]
    [InlineData("AUTH_CLOCK_SKEW_SECONDS", "301", "ClockSkewSeconds")]
    [InlineData("PUBLISH_API_KEYS", "laravel:too-short", "the secret must be")]
    [InlineData("PUBLISH_API_KEYS", "[{\"name\":\"x\"", "PUBLISH_API_KEYS is not a JSON array")]
    [InlineData("PUBLISH_API_RATE_PER_SECOND", "0", "RatePerSecond")]
    [InlineData("PUBLISH_API_BURST", "10", "Burst")]
    [InlineData("PUBLISH_API_MAX_DATA_BYTES", "99999", "MaxDataBytes")]
    [InlineData("DEV_TOKENS", "true", "AUTH_HS256_SECRET")]
    [InlineData("DEV_TOKEN_SECONDS", "5", "DevTokenSeconds")]
    [InlineData("DEMO_PUBLISH_URL", "ftp://example.com", "DEMO_PUBLISH_URL")]
    [InlineData("PUSHER_APPS", "1001:app-key", "PUSHER_APPS")]
    [InlineData("PUSHER_APPS", "1001:key:secret,1001:other:secret", "share the id '1001'")]
    [InlineData("PUSHER_MAX_BATCH_SIZE", "0", "MaxBatchSize")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com,admin.example.com", "ALLOWED_ORIGINS entry 'admin.example.com' is not an origin")]
    [InlineData("ALLOWED_ORIGINS", "localhost:3000", "ALLOWED_ORIGINS entry 'localhost:3000'")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com/login", "ALLOWED_ORIGINS entry 'https://app.example.com/login'")]
    [InlineData("METRICS_HOST", "127.0.0.l", "METRICS_HOST must be")]
    [InlineData("METRICS_HOST", "::1", "METRICS_HOST must be")]
    public async Task Invalid_settings_fail_at_startup_naming_the_problem(string key, string value, string expected)
    {
        var settings = TestInstance.StandaloneSettings();
        settings[key] = value;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAndStopAsync(settings));

        Assert.Contains(expected, error.Message);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("PORT", "80000")]
    [InlineData("LOG_LEVEL", "Loud")]
    public void Invalid_host_settings_fail_while_building(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings["urls"] = ""; // so PORT is what decides the address
        settings[key] = value;
        var sink = new TestLogSink(output, "config");

        var error = Assert.Throws<OptionsValidationException>(() => TestInstance.Build(settings, sink));

        Assert.Contains(key, error.Message);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("WS_MAX_MESSAGE_BYTES", "lots")]
    [InlineData("WS_BARE_SOCKETS", "maybe")]
    [InlineData("LOG_CONNECTIONS", "yes")]
    [InlineData("AUTH_REQUIRED", "maybe")]
    [InlineData("CHANNELS_MAX_PER_SOCKET", "many")]
    public async Task A_value_of_the_wrong_kind_fails_at_startup_naming_the_setting(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings[key] = value;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAndStopAsync(settings));

        Assert.Contains(key, error.Message);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("ALLOWED_ORIGINS", "*")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com/, http://localhost:3000 ,chrome-extension://abcdefgh")]
    [InlineData("METRICS_HOST", "localhost")]
    [InlineData("METRICS_HOST", "[::1]")]
    [InlineData("METRICS_HOST", "127.0.0.1")]
    public async Task Valid_forms_of_checked_settings_start(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings[key] = value;

        await StartAndStopAsync(settings);
    }

    private async Task StartAndStopAsync(Dictionary<string, string?> settings)
    {
        await using var app = TestInstance.Build(settings, new TestLogSink(output, "config"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
