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
    [InlineData("PUBSUB_EMULATOR_HOST", "no-port", "PUBSUB_EMULATOR_HOST")]
    [InlineData("PUBSUB_PROJECT_ID", "my-project", "GOOGLE_CREDENTIALS_JSON")]
    [InlineData("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json", "does not exist")]
    [InlineData("PUBSUB_ENDPOINT", "https://pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", "europe-west1-pubsub.googleapis.com", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUBSUB_ENDPOINT", " ", "PUBSUB_ENDPOINT must be host:port")]
    [InlineData("PUSHER_APPS", "1001:app-key", "PUSHER_APPS")]
    [InlineData("PUSHER_APPS", "1001:key:secret,1001:other:secret", "share the id '1001'")]
    [InlineData("PUSHER_MAX_BATCH_SIZE", "0", "MaxBatchSize")]
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
    public async Task A_value_of_the_wrong_kind_fails_at_startup_naming_the_setting(string key, string value)
    {
        var settings = TestInstance.StandaloneSettings();
        settings[key] = value;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAndStopAsync(settings));

        Assert.Contains(key, error.Message);
    }

    private async Task StartAndStopAsync(Dictionary<string, string?> settings)
    {
        await using var app = TestInstance.Build(settings, new TestLogSink(output, "config"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
