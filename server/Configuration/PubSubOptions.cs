using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Where alerts travel between instances: the emulator, Google Cloud Pub/Sub, or nowhere (standalone).</summary>
public sealed class PubSubOptions
{
    /// <summary>The emulator's <c>host:port</c> (<c>PUBSUB_EMULATOR_HOST</c>); when set, it wins over real Pub/Sub.</summary>
    [ConfigurationKeyName("PUBSUB_EMULATOR_HOST")]
    public string? EmulatorHost { get; set; }

    /// <summary>The Google Cloud project (<c>PUBSUB_PROJECT_ID</c>).</summary>
    [ConfigurationKeyName("PUBSUB_PROJECT_ID")]
    public string? ProjectId { get; set; }

    /// <summary>The fallback project setting (<c>GOOGLE_CLOUD_PROJECT</c>).</summary>
    [ConfigurationKeyName("GOOGLE_CLOUD_PROJECT")]
    public string? GoogleCloudProject { get; set; }

    /// <summary>Path of a service account key file (<c>GOOGLE_APPLICATION_CREDENTIALS</c>).</summary>
    [ConfigurationKeyName("GOOGLE_APPLICATION_CREDENTIALS")]
    public string? CredentialsFile { get; set; }

    /// <summary>The service account key JSON itself (<c>GOOGLE_CREDENTIALS_JSON</c>), for a Fly secret.</summary>
    [ConfigurationKeyName("GOOGLE_CREDENTIALS_JSON")]
    public string? CredentialsJson { get; set; }

    /// <summary>
    /// Google Cloud Pub/Sub's <c>host:port</c> (<c>PUBSUB_ENDPOINT</c>): the global endpoint, or a locational
    /// one such as <c>europe-west1-pubsub.googleapis.com:443</c> that routes and stores messages in that region.
    /// Spoken over TLS; ignored on the emulator.
    /// </summary>
    [ConfigurationKeyName("PUBSUB_ENDPOINT")]
    public string Endpoint { get; set; } = DefaultEndpoint;

    public const string DefaultEndpoint = "pubsub.googleapis.com:443";

    /// <summary>The shared topic every instance publishes to and subscribes on (<c>PUBSUB_TOPIC</c>).</summary>
    [ConfigurationKeyName("PUBSUB_TOPIC")]
    [Required(ErrorMessage = "PUBSUB_TOPIC is empty."), RegularExpression(ResourceIdPattern, ErrorMessage = ResourceIdRule)]
    public string Topic { get; set; } = "ALIEN_NOTIFICATIONS";

    /// <summary>
    /// Refuse to start standalone (<c>PUBSUB_REQUIRED</c>): a fleet whose key secret went missing would otherwise
    /// boot as islands, each passing its health check and relaying only its own clients' alerts.
    /// </summary>
    [ConfigurationKeyName("PUBSUB_REQUIRED")]
    public bool Required { get; set; }

    /// <summary>The project the emulator is addressed with when no project is configured.</summary>
    public const string EmulatorDefaultProject = "notifications-local";

    /// <summary>Pub/Sub's rule for topic and subscription ids.</summary>
    public const string ResourceIdPattern = "^(?!goog)[A-Za-z][A-Za-z0-9._~+%-]{2,254}$";

    public const string ResourceIdRule =
        "PUBSUB_TOPIC must be 3-255 characters, start with a letter, not start with 'goog', and hold only letters, digits and . _ ~ + % -";

    /// <summary>Which transport these settings select.</summary>
    public BusMode Mode =>
        !string.IsNullOrWhiteSpace(EmulatorHost) ? BusMode.Emulator
        : HasCloudSettings ? BusMode.GoogleCloud
        : BusMode.Standalone;

    /// <summary>The project id in force: the explicit settings first, in the documented order.</summary>
    public string? EffectiveProjectId =>
        FirstNonBlank(ProjectId, GoogleCloudProject) ?? (Mode == BusMode.Emulator ? EmulatorDefaultProject : null);

    internal bool HasCloudSettings =>
        FirstNonBlank(ProjectId, GoogleCloudProject, CredentialsFile, CredentialsJson) is not null;

    private static string? FirstNonBlank(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}

public enum BusMode
{
    Standalone,
    Emulator,
    GoogleCloud,
}
