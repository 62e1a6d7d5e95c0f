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
    [InlineData("ALERT_MAX_LENGTH", "0", "ALERT_MAX_LENGTH must be between 1 and 10000")]
    [InlineData("WS_SEND_QUEUE", "-1", "WS_SEND_QUEUE must be")]
    [InlineData("LOG_SUMMARY_SECONDS", "0", "LOG_SUMMARY_SECONDS must be")]
    [InlineData("PUBSUB_EMULATOR_HOST", "no-port", "PUBSUB_EMULATOR_HOST")]
    [InlineData("PUBSUB_EMULATOR_HOST", "http://127.0.0.1:8085", "PUBSUB_EMULATOR_HOST must be host:port")]
    [InlineData("PUBSUB_PROJECT_ID", "my-project", "GOOGLE_CREDENTIALS_JSON")]
    [InlineData("PUBSUB_REQUIRED", "true", "PUBSUB_REQUIRED is true but no Pub/Sub is configured")]
    [InlineData("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", "does not exist")]
    [InlineData("PUBSUB_ENDPOINT", "https://pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", "europe-west1-pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", " ", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("CHANNELS_MAX_PER_SOCKET", "0", "CHANNELS_MAX_PER_SOCKET must be")]
    [InlineData("CHANNELS_CLIENT_PUBLISH", "global,user:*", "CHANNELS_CLIENT_PUBLISH may not reach user channels")]
    [InlineData("CHANNELS_CLIENT_PUBLISH", "pub*lic:x", "CHANNELS_CLIENT_PUBLISH")]
    [InlineData("CHANNEL_WINDOW_SIZE", "0", "CHANNEL_WINDOW_SIZE must be")]
    [InlineData("CHANNEL_WINDOW_TOTAL", "5", "CHANNEL_WINDOW_TOTAL")]
    [InlineData("AUTH_REQUIRED", "true", "AUTH_REQUIRED is true but no key is set")]
    [InlineData("AUTH_HS256_SECRET", "too-short", "AUTH_HS256_SECRET is 9 bytes")]
    [InlineData("AUTH_PUBLIC_KEY_FILE", "/nonexistent/keys.pem", "AUTH_PUBLIC_KEY_FILE")]
    [InlineData("AUTH_JWKS_URL", "http://keys.example.com/jwks.json", "AUTH_JWKS_URL")]
    [InlineData("AUTH_JWKS_REFRESH_SECONDS", "5", "AUTH_JWKS_REFRESH_SECONDS must be")]
    [InlineData("AUTH_ISSUER", " ", "AUTH_ISSUER is blank")]
    [InlineData("AUTH_CLOCK_SKEW_SECONDS", "301", "AUTH_CLOCK_SKEW_SECONDS must be")]
    [InlineData("PUBLISH_API_KEYS", "laravel:too-short", "the secret must be")]
    [InlineData("PUBLISH_API_KEYS", "[{\"name\":\"x\"", "PUBLISH_API_KEYS is not a JSON array")]
    [InlineData("PUBLISH_API_RATE_PER_SECOND", "0", "PUBLISH_API_RATE_PER_SECOND must be")]
    [InlineData("PUBLISH_API_BURST", "10", "PUBLISH_API_BURST must be")]
    [InlineData("PUBLISH_API_MAX_DATA_BYTES", "99999", "PUBLISH_API_MAX_DATA_BYTES must be")]
    [InlineData("DEV_TOKENS", "true", "AUTH_HS256_SECRET")]
    [InlineData("DEV_TOKEN_SECONDS", "5", "DEV_TOKEN_SECONDS must be")]
    [InlineData("DEMO_PUBLISH_URL", "ftp://example.com", "DEMO_PUBLISH_URL")]
    [InlineData("PUSHER_APPS", "1001:app-key", "PUSHER_APPS")]
    [InlineData("PUSHER_APPS", "1001:key:secret,1001:other:secret", "share the id '1001'")]
    [InlineData("PUSHER_MAX_BATCH_SIZE", "0", "PUSHER_MAX_BATCH_SIZE must be")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com,admin.example.com", "ALLOWED_ORIGINS entry 'admin.example.com' is not an origin")]
    [InlineData("ALLOWED_ORIGINS", "localhost:3000", "ALLOWED_ORIGINS entry 'localhost:3000'")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com/login", "ALLOWED_ORIGINS entry 'https://app.example.com/login'")]
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com:443", "browsers send it as https://app.example.com")]
    [InlineData("ALLOWED_ORIGINS", "http://localhost:80", "browsers send it as http://localhost")]
    [InlineData("AUTH_AUDIENCE", ",", "AUTH_AUDIENCE ',' has an empty entry")]
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
    [InlineData("""{"type":"authorized_user","client_id":"x","client_secret":"y","refresh_token":"z"}""")]
    [InlineData("""{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\ntruncated""")]
    public async Task A_credentials_json_that_is_not_a_service_account_key_fails_at_startup_naming_the_setting(string json)
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["PUBSUB_PROJECT_ID"], settings["GOOGLE_CREDENTIALS_JSON"]) = ("my-project", json);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAndStopAsync(settings));

        Assert.Contains("GOOGLE_CREDENTIALS_JSON is not a service account key", error.Message);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("PORT", "80000")]
    [InlineData("LOG_LEVEL", "Loud")]
    [InlineData("METRICS_PORT", "8080")]
    public void Invalid_host_settings_fail_while_building(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings["urls"] = ""; // so PORT is what decides the address
        settings[key] = value;
        var sink = new TestLogSink(output, "config");

        var error = Assert.Throws<OptionsValidationException>(() => TestInstance.Build(settings, sink));

        Assert.Contains(key, error.Message);
    }

    [Fact(Timeout = 30_000)]
    public void PORT_on_the_default_metrics_port_fails_while_building_naming_both()
    {
        var settings = TestInstance.StandaloneSettings();
        (settings["urls"], settings["PORT"]) = ("", "9091");
        settings.Remove("METRICS_PORT");

        var error = Assert.Throws<OptionsValidationException>(() => TestInstance.Build(settings, new TestLogSink(output, "config")));

        Assert.Contains("METRICS_PORT and PORT are both 9091", error.Message);
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
    [InlineData("ALLOWED_ORIGINS", "https://app.example.com:8443,http://[::1]:3000")]
    [InlineData("METRICS_HOST", "localhost")]
    [InlineData("METRICS_HOST", "[::1]")]
    [InlineData("METRICS_HOST", "127.0.0.1")]
    public async Task Valid_forms_of_checked_settings_start(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings[key] = value;

        await StartAndStopAsync(settings);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_pusher_secret_shorter_than_pushers_own_is_warned_of_at_boot_without_showing_it()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["PUSHER_APPS"] = "1001:app-key:app-secret,2002:other-key:9f3c1a7be04d52c86e1f";
        var sink = new TestLogSink(output, "config");

        await using (var app = TestInstance.Build(settings, sink))
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal("\"1001\"", Assert.Single(sink.Events, e => e.MessageTemplate.Text.StartsWith("Pusher app {AppId}'s secret")).Properties["AppId"].ToString());
        Assert.DoesNotContain(sink.Events, e => e.RenderMessage().Contains("app-secret", StringComparison.Ordinal));
    }

    private async Task StartAndStopAsync(Dictionary<string, string?> settings)
    {
        await using var app = TestInstance.Build(settings, new TestLogSink(output, "config"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
