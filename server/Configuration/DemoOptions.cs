using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>The job-progress demo and the development token endpoint: both off unless switched on, and never for production.</summary>
public sealed class DemoOptions
{
    /// <summary>Serve <c>POST /demo/jobs</c>, which starts a sample job runner for the caller (<c>DEMO_ENABLED</c>); needs <c>AUTH_HS256_SECRET</c>.</summary>
    [ConfigurationKeyName("DEMO_ENABLED")]
    public bool Enabled { get; set; }

    /// <summary>Serve <c>POST /demo/token</c>, which signs a token for any user name it is given (<c>DEV_TOKENS</c>); needs <c>AUTH_HS256_SECRET</c>. Never in production.</summary>
    [ConfigurationKeyName("DEV_TOKENS")]
    public bool DevTokens { get; set; }

    /// <summary>How long a development token lives, in seconds (<c>DEV_TOKEN_SECONDS</c>).</summary>
    [ConfigurationKeyName("DEV_TOKEN_SECONDS")]
    [Range(60, 86_400)]
    public int DevTokenSeconds { get; set; } = 600;

    /// <summary>
    /// The job runner to start (<c>DEMO_JOB_RUNNER</c>): a path to <c>Notifications.JobRunner.dll</c> (run with dotnet) or an
    /// executable. Unset: the build of <c>samples/JobRunner</c> found above the server's own folder.
    /// </summary>
    [ConfigurationKeyName("DEMO_JOB_RUNNER")]
    public string? JobRunner { get; set; }

    /// <summary>
    /// Where the job runner posts its progress (<c>DEMO_PUBLISH_URL</c>): base URLs of the publish API, comma-separated, tried in
    /// turn when one fails. Unset: this instance's own address.
    /// </summary>
    [ConfigurationKeyName("DEMO_PUBLISH_URL")]
    public string? PublishUrls { get; set; }

    /// <summary>Jobs one instance runs at once; more are refused with 429.</summary>
    public const int MaxConcurrentJobs = 8;

    /// <summary>The base URLs in <see cref="PublishUrls"/>, none when unset.</summary>
    public string[] PublishUrlList =>
        (PublishUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
