namespace Notifications.Demo;

internal sealed partial class JobLauncher
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Demo job {Job} started for {Channel}: {Steps} steps, runner process {ProcessId}.")]
        public static partial void Started(ILogger logger, string job, string channel, int steps, int processId);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Demo job {Job} ended with exit code {ExitCode}.")]
        public static partial void Finished(ILogger logger, string job, int exitCode);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Demo job {Job}: {Line}")]
        public static partial void RunnerSaid(ILogger logger, string job, string line);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Demo job {Job} could not start its runner {Runner}: {Error}")]
        public static partial void StartFailed(ILogger logger, string job, string runner, string error);
    }
}
