namespace Notifications.Samples.JobRunner;

/// <summary>
/// The job itself: a pretend video export in steps. It reports when it starts, after each step and when it is
/// done, each report with an idempotency key of its own (<c>job-&lt;id&gt;-step-&lt;n&gt;</c>), so a report retried
/// after a timeout or a restart, to any instance, reaches the page once.
/// </summary>
internal sealed class JobScript(JobSettings settings, ProgressPublisher publisher, TextWriter log)
{
    private static readonly string[] Labels =
    [
        "Fetching the source", "Checking the footage", "Transcoding to 1080p", "Transcoding to 720p",
        "Making thumbnails", "Writing captions", "Packaging", "Uploading",
    ];

    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        log.WriteLine($"Starting {settings}.");
        if (!await ReportAsync(0, "Queued", "running", "Your export has started.", null, cancellationToken))
            return false;
        for (int step = 1; step <= settings.Steps; step++)
        {
            await Task.Delay(settings.StepMilliseconds, cancellationToken);
            string label = Labels[(step - 1) % Labels.Length];
            if (!await ReportAsync(step, label, "running", $"Step {step} of {settings.Steps}: {label}", null, cancellationToken))
                return false;
        }
        var result = new JobResult($"export-{settings.JobId}.mp4", Math.Round(12.5 * settings.Steps, 1));
        bool done = await ReportAsync(settings.Steps + 1, "Done", "done", $"Your export is ready: {result.File}", result, cancellationToken);
        log.WriteLine(done ? "Done." : "Gave up.");
        return done;
    }

    private Task<bool> ReportAsync(int step, string label, string state, string text, JobResult? result, CancellationToken cancellationToken)
    {
        int percent = state == "done" ? 100 : step * 100 / (settings.Steps + 1);
        var progress = new JobProgress(settings.JobId, Math.Min(step, settings.Steps), settings.Steps, percent, label, state, result);
        string key = state == "done" ? $"job-{settings.JobId}-done" : $"job-{settings.JobId}-step-{step}";
        return publisher.PublishAsync(new PublishBody(settings.Channel, text, progress, key), cancellationToken);
    }
}
