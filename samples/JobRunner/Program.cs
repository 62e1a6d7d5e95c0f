using Notifications.Samples.JobRunner;

// A backend's worker, as a Laravel queue job or a CI step would be: it does a long job in steps and reports
// each one through the publish API to the channel of the user who asked for it (JobSettings says how to run it).
if (!JobSettings.TryRead(Environment.GetEnvironmentVariable, args, out var settings, out var problem))
{
    Console.Error.WriteLine(problem);
    return 2;
}
using var stop = new CancellationTokenSource(settings.Deadline);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
var publisher = new ProgressPublisher(http, settings, Console.Error);
return await new JobScript(settings, publisher, Console.Out).RunAsync(stop.Token) ? 0 : 1;
