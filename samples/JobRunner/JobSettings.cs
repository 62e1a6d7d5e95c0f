using System.Globalization;

namespace Notifications.Samples.JobRunner;

/// <summary>
/// What the runner needs, from the environment (as the demo endpoint starts it) or the command line:
/// <c>NOTIFICATIONS_API_URLS</c> / <c>--api</c> (base URLs, comma-separated, tried in turn), <c>NOTIFICATIONS_API_KEY</c>
/// (environment only, so it never shows in a process list), <c>JOB_CHANNEL</c> / <c>--channel</c>, and optionally
/// <c>JOB_ID</c> / <c>--job</c>, <c>JOB_STEPS</c> / <c>--steps</c> (8), <c>JOB_STEP_MS</c> / <c>--step-ms</c> (1500).
/// </summary>
internal sealed record JobSettings(IReadOnlyList<Uri> ApiUrls, string ApiKey, string Channel, string JobId, int Steps, int StepMilliseconds)
{
    /// <summary>How long one alert may be retried (an instance restarting, Pub/Sub refusing) before the job gives up.</summary>
    public static readonly TimeSpan RetryBudget = TimeSpan.FromMinutes(2);

    /// <summary>The whole job's limit: its steps, and one retry budget, so a runner never outlives its purpose.</summary>
    public TimeSpan Deadline => TimeSpan.FromMilliseconds((double)Steps * StepMilliseconds) + RetryBudget;

    public static bool TryRead(Func<string, string?> environment, string[] args, out JobSettings settings, out string? problem)
    {
        string? Setting(string variable, string option)
        {
            int at = Array.IndexOf(args, option);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : environment(variable);
        }
        settings = null!;
        var urls = (Setting("NOTIFICATIONS_API_URLS", "--api") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null).ToList();
        string key = environment("NOTIFICATIONS_API_KEY") ?? "";
        string channel = Setting("JOB_CHANNEL", "--channel") ?? "";
        int steps = Number(Setting("JOB_STEPS", "--steps"), 8);
        int stepMs = Number(Setting("JOB_STEP_MS", "--step-ms"), 1500);
        problem = urls.Count == 0 || urls.Contains(null) ? "Set NOTIFICATIONS_API_URLS (or --api) to the publish API's base URLs, e.g. http://127.0.0.1:8080."
            : key.Length == 0 ? "Set NOTIFICATIONS_API_KEY to a publish API key (an environment variable only)."
            : channel.Length == 0 ? "Set JOB_CHANNEL (or --channel) to the channel to report to, e.g. user:42."
            : steps is < 1 or > 1000 || stepMs is < 0 or > 600_000 ? "JOB_STEPS is 1 to 1000 and JOB_STEP_MS 0 to 600000."
            : null;
        if (problem is not null)
            return false;
        string job = Setting("JOB_ID", "--job") ?? Guid.NewGuid().ToString("N")[..12];
        settings = new JobSettings(urls!, key, channel, job, steps, stepMs);
        return true;
    }

    private static int Number(string? text, int otherwise) =>
        text is null ? otherwise : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : -1;

    public override string ToString() => $"job {JobId} for {Channel}: {Steps} steps of {StepMilliseconds} ms";
}
