using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Notifications.Bus.PubSub;

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
            builder.AddError($"PUBSUB_EMULATOR_HOST must be host:port (no scheme or path), not '{options.EmulatorHost}'.");
        if (!IsHostPort(options.Endpoint))
            builder.AddError($"PUBSUB_ENDPOINT must be host:port (such as {PubSubOptions.DefaultEndpoint}, no scheme or path), not '{options.Endpoint}'.");

        if (options.Required && options.Mode == BusMode.Standalone)
            builder.AddError("PUBSUB_REQUIRED is true but no Pub/Sub is configured: set GOOGLE_CREDENTIALS_JSON (the key JSON) or GOOGLE_APPLICATION_CREDENTIALS, and PUBSUB_PROJECT_ID if the topic is in another project (or PUBSUB_EMULATOR_HOST).");
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
            else if (file != json && KeyProblem(options) is { } problem)
                builder.AddError($"{(json ? "GOOGLE_CREDENTIALS_JSON" : $"GOOGLE_APPLICATION_CREDENTIALS ('{options.CredentialsFile}')")} is not a service account key: {problem}");
        }
        return builder.Build();
    }

    private static bool IsHostPort(string? value)
    {
        int colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0 && !value!.AsSpan(0, colon).ContainsAny(' ', '\t', '/') && int.TryParse(value.AsSpan(colon + 1), out int port) && port is > 0 and < 65536;
    }

    /// <summary>Why the key cannot be loaded as the bus will load it (a user's <c>gcloud</c> login, say, or a truncated paste), or null.</summary>
    private static string? KeyProblem(PubSubOptions options)
    {
        try
        {
            PubSubChannelFactory.LoadServiceAccount(options);
            return null;
        }
        catch (Exception e)
        {
            return e.Message;
        }
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

/// <summary>
/// Each <c>ALLOWED_ORIGINS</c> entry must be an origin as browsers send it, or <c>*</c>: one written without its
/// scheme, or with a path, would never match, and its browsers would get 403 with no hint why. Runs beside
/// <see cref="AdmissionOptionsValidator"/>.
/// </summary>
internal sealed class AllowedOriginsValidator : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        foreach (var entry in (options.AllowedOrigins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry == "*")
                continue;
            if (!IsOrigin(entry, out var origin))
                builder.AddError($"ALLOWED_ORIGINS entry '{entry}' is not an origin: write it as scheme://host[:port], such as https://app.example.com, or * for any.");
            // Browsers leave the scheme's default port out of Origin, and entries are compared as written.
            else if (origin.GetLeftPart(UriPartial.Authority) is var sent && !string.Equals(sent, entry.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                builder.AddError($"ALLOWED_ORIGINS entry '{entry}' would never match: browsers send it as {sent}.");
        }
        return builder.Build();
    }

    private static bool IsOrigin(string entry, [NotNullWhen(true)] out Uri? uri)
    {
        uri = null;
        return entry.Contains("://", StringComparison.Ordinal)
            && Uri.TryCreate(entry, UriKind.Absolute, out uri)
            && uri.Host.Length > 0 && uri.UserInfo.Length == 0
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            && !entry.TrimEnd('/').EndsWith(':');
    }
}

[OptionsValidator]
internal sealed partial class MetricsAnnotationsValidator : IValidateOptions<MetricsOptions>;

/// <summary>
/// <c>METRICS_HOST</c> must be an address: the endpoint's server binds every interface for any name it cannot
/// parse, so a typo would publish <c>/metrics</c> to the world. Runs beside <see cref="MetricsAnnotationsValidator"/>.
/// </summary>
internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.Host is null or "*" or "localhost" || IsAddress(options.Host)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"METRICS_HOST must be * (every interface), localhost or an IP address (IPv6 in brackets, such as [::1]), not '{options.Host}'.");

    private static bool IsAddress(string host) =>
        host.StartsWith('[') && host.EndsWith(']')
            ? System.Net.IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            : System.Net.IPAddress.TryParse(host, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
