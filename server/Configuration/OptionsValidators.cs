using Microsoft.Extensions.Options;

namespace Notifications.Configuration;

[OptionsValidator]
internal sealed partial class InstanceOptionsValidator : IValidateOptions<InstanceOptions>;

[OptionsValidator]
internal sealed partial class ConnectionOptionsValidator : IValidateOptions<ConnectionOptions>;

[OptionsValidator]
internal sealed partial class PubSubAnnotationsValidator : IValidateOptions<PubSubOptions>;

/// <summary>Rules that span several Pub/Sub settings, which attributes cannot say; runs beside <see cref="PubSubAnnotationsValidator"/>.</summary>
internal sealed class PubSubOptionsValidator : IValidateOptions<PubSubOptions>
{
    public ValidateOptionsResult Validate(string? name, PubSubOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.Mode == BusMode.Emulator && !IsHostPort(options.EmulatorHost!))
            builder.AddError($"PUBSUB_EMULATOR_HOST must be host:port, not '{options.EmulatorHost}'.");
        if (!IsHostPort(options.Endpoint) || options.Endpoint.Contains("://", StringComparison.Ordinal) || options.Endpoint.Contains('/'))
            builder.AddError($"PUBSUB_ENDPOINT must be host:port (such as {PubSubOptions.DefaultEndpoint}, no scheme or path), not '{options.Endpoint}'.");

        if (options.Mode == BusMode.GoogleCloud)
        {
            bool file = !string.IsNullOrWhiteSpace(options.CredentialsFile);
            bool json = !string.IsNullOrWhiteSpace(options.CredentialsJson);
            if (!file && !json)
                builder.AddError("A Pub/Sub project is set but no credentials: set GOOGLE_CREDENTIALS_JSON (the key JSON) or GOOGLE_APPLICATION_CREDENTIALS (a key file path), or unset the project to run standalone.");
            if (file && json)
                builder.AddError("Set only one of GOOGLE_CREDENTIALS_JSON and GOOGLE_APPLICATION_CREDENTIALS.");
            if (file && !File.Exists(options.CredentialsFile))
                builder.AddError($"GOOGLE_APPLICATION_CREDENTIALS names '{options.CredentialsFile}', which does not exist.");
        }
        return builder.Build();
    }

    private static bool IsHostPort(string? value)
    {
        int colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0 && !value!.AsSpan(0, colon).ContainsAny(' ', '\t') && int.TryParse(value.AsSpan(colon + 1), out int port) && port is > 0 and < 65536;
    }
}

[OptionsValidator]
internal sealed partial class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>;

[OptionsValidator]
internal sealed partial class FleetAnnotationsValidator : IValidateOptions<FleetOptions>;

/// <summary>The sweeper must wait far longer than a heartbeat, or it would delete live instances' subscriptions; runs beside <see cref="FleetAnnotationsValidator"/>.</summary>
internal sealed class FleetOptionsValidator : IValidateOptions<FleetOptions>
{
    public ValidateOptionsResult Validate(string? name, FleetOptions options) =>
        options.SweepAfterSeconds is 0 || options.SweepAfterSeconds >= 3 * options.HeartbeatSeconds
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"SWEEP_AFTER_SECONDS ({options.SweepAfterSeconds}) must be 0 (off) or at least three heartbeats (3 × HEARTBEAT_SECONDS = {3 * options.HeartbeatSeconds}).");
}

[OptionsValidator]
internal sealed partial class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>;

[OptionsValidator]
internal sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;
