namespace Notifications.Tests.Infrastructure;

/// <summary>
/// Stress tests (fuzz storm, restart checker, slow clients) run on their own, after the parallel tests:
/// on a 2-core machine, running them beside forty other servers starves everything of CPU and turns
/// timing bounds into noise. They stay in every run; they just get the machine to themselves.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StressCollection
{
    public const string Name = "Stress";
}
