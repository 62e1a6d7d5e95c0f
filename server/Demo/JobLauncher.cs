using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Demo;

/// <summary>A job to run: who it reports to (<see cref="Channel"/>), its id, and its pace.</summary>
internal sealed record JobOrder(string Id, string Channel, int Steps, int StepMilliseconds);

/// <summary>
/// Starts the sample job runner (samples/JobRunner) as a process of its own, as a real backend's worker is,
/// with where to post (<c>DEMO_PUBLISH_URL</c>, else this instance) and the demo key in its environment, never
/// on its command line. A runner is not stopped with the instance that started it: it posts to whichever
/// instance answers, and ends by itself when its job is done or its retries run out. At most
/// <see cref="DemoOptions.MaxConcurrentJobs"/> run at once from one instance.
/// </summary>
internal sealed partial class JobLauncher(IOptions<DemoOptions> options, DemoKey key, IServer server, ILogger<JobLauncher> logger)
{
    private readonly DemoOptions _options = options.Value;
    private readonly string? _runner = JobRunnerLocation.Find(options.Value.JobRunner, AppContext.BaseDirectory);
    private int _running;

    /// <summary>The runner this instance starts, or null when none was found.</summary>
    public string? Runner => _runner;

    public int Running => Volatile.Read(ref _running);

    /// <summary>Starts the job; false (and why) when no runner was found or enough are running.</summary>
    public bool TryStart(JobOrder order, out string? problem)
    {
        problem = _runner is null ? "No job runner was found: build samples/JobRunner (dotnet build) or set DEMO_JOB_RUNNER." : null;
        if (problem is not null)
            return false;
        if (Interlocked.Increment(ref _running) > DemoOptions.MaxConcurrentJobs)
        {
            Interlocked.Decrement(ref _running);
            problem = $"This instance already runs {DemoOptions.MaxConcurrentJobs} jobs; try again when one has finished.";
            return false;
        }
        try
        {
            Start(order);
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Interlocked.Decrement(ref _running);
            Log.StartFailed(logger, order.Id, _runner!, e.Message);
            problem = "The job runner could not be started.";
            return false;
        }
    }

    private void Start(JobOrder order)
    {
        bool dll = _runner!.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(dll ? DotnetHost() : _runner, dll ? [_runner] : [])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["NOTIFICATIONS_API_URLS"] = string.Join(',', PublishUrls());
        info.Environment["NOTIFICATIONS_API_KEY"] = key.Secret;
        info.Environment["JOB_ID"] = order.Id;
        info.Environment["JOB_CHANNEL"] = order.Channel;
        info.Environment["JOB_STEPS"] = order.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["JOB_STEP_MS"] = order.StepMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Forward(order.Id, e.Data);
        process.ErrorDataReceived += (_, e) => Forward(order.Id, e.Data);
        process.Exited += (_, _) => Finished(order.Id, process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Log.Started(logger, order.Id, order.Channel, order.Steps, process.Id);
    }

    private void Forward(string job, string? line)
    {
        if (line is not null)
            Log.RunnerSaid(logger, job, line);
    }

    private void Finished(string job, Process process)
    {
        Interlocked.Decrement(ref _running);
        Log.Finished(logger, job, process.ExitCode);
        process.Dispose();
    }

    /// <summary>DEMO_PUBLISH_URL, else this instance's own first address, with a wildcard host made loopback.</summary>
    private IEnumerable<string> PublishUrls()
    {
        if (_options.PublishUrlList.Length > 0)
            return _options.PublishUrlList;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Take(1).Select(a => a.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>The dotnet host that runs this server (DOTNET_HOST_PATH under the SDK), else <c>dotnet</c> on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
