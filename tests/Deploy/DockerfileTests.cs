using System.Text.Json;
using System.Xml.Linq;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Deploy;

/// <summary>
/// What can be checked of the image without a Docker engine: the final stage's shape, and that the
/// build stage, replayed on this machine (<see cref="ImageServer"/>), publishes an app that starts, serves
/// the page and stops cleanly the way ENTRYPOINT starts it.
/// </summary>
public sealed class DockerfileTests(ITestOutputHelper output) : IClassFixture<ImageServer>
{
    private static readonly string Root = ServerProcess.RepositoryRoot();
    private static readonly IReadOnlyList<Stage> Stages = Dockerfile.Parse(File.ReadAllText(Path.Combine(Root, "Dockerfile")));
    private static Stage Final => Stages[^1];
    private static Stage Build => Stages.Single(s => s.Name == Stages.PublishCopy().From);

    [Fact]
    public void The_final_stage_runs_the_native_executable_on_the_runtime_dependencies_only_as_a_non_root_user_on_8080()
    {
        string version = DotnetVersion();
        // The SDK variant with Native AOT's toolchain; the final image carries no .NET runtime (the executable has its own).
        Assert.StartsWith($"mcr.microsoft.com/dotnet/sdk:{version}", Build.BaseImage);
        Assert.EndsWith("-aot", Build.BaseImage);
        Assert.StartsWith($"mcr.microsoft.com/dotnet/runtime-deps:{version}", Final.BaseImage);
        Assert.Empty(Final.All("RUN"));
        string user = Final.Last("USER");
        Assert.True(IsNonRoot(user), $"USER {user} may be root.");
        Assert.Equal("8080", Final.Last("EXPOSE"));
        var environment = Final.Environment();
        Assert.Equal("8080", environment["PORT"]);
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);

        var (_, source, destination) = Stages.PublishCopy();
        string[] publish = Build.All("RUN").Select(Dockerfile.Words).Single(c => c is ["dotnet", "publish", ..]);
        Assert.Equal(source, publish[Array.FindIndex(publish, w => w is "-o" or "--output") + 1]);
        string workdir = Final.Last("WORKDIR");
        Assert.Contains(destination, new[] { ".", "./", workdir, workdir + "/" });
        Assert.Equal(["./Notifications"], Final.EntryPoint());
    }

    [Fact]
    public void The_build_context_keeps_what_the_build_copies_and_leaves_out_host_build_output()
    {
        var patterns = File.ReadAllLines(Path.Combine(Root, ".dockerignore"))
            .Select(line => line.Trim().TrimEnd('/')).ToHashSet();
        // Patterns are anchored at the context root: a bare obj/ would let server/obj/ in, and the
        // host's project.assets.json would overwrite the image's own restore.
        Assert.Contains("**/obj", patterns);
        Assert.Contains("**/bin", patterns);
        foreach (string copy in Build.All("COPY"))
        {
            foreach (string source in Dockerfile.Words(copy)[..^1])
                Assert.DoesNotContain(source.TrimEnd('/').Split('/')[0], patterns);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task The_build_stage_publishes_an_app_that_serves_the_page_and_stops_cleanly_as_ENTRYPOINT_runs_it()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var published = ImageServer.Current;
        Assert.True(File.Exists(published.Executable), $"{published.EntryPoint[0]} was not published.");
        Assert.True(File.Exists(Path.Combine(published.Directory, "wwwroot", "index.html")), "The page was not published.");
        // No JIT build and no debug symbols ride along into the image: one native executable and the page.
        Assert.Empty(Directory.EnumerateFiles(published.Directory, "*.dll"));
        Assert.Empty(Directory.EnumerateFiles(published.Directory, "*.dbg"));

        await using var app = PublishedApp.Start(published.EntryPoint, published.Directory, Final.Environment(), output);
        await app.WaitHealthyAsync();
        using var http = new HttpClient { BaseAddress = app.BaseUri };
        string page = await http.GetStringAsync("/", cancellation);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Root, "client-web", "index.html"), cancellation), page);

        await app.StopAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, app.ExitCode);
        // Production: one JSON object per line; and clearing the base image's HTTP_PORTS keeps boot free of its warning.
        Assert.NotEmpty(app.StandardOutput);
        Assert.All(app.StandardOutput, line => JsonDocument.Parse(line).Dispose());
        Assert.DoesNotContain(app.StandardOutput, line => line.Contains("Overriding HTTP_PORTS"));
    }

    [Fact(Timeout = 120_000)]
    public async Task The_published_app_raises_an_inherited_low_open_file_limit_to_its_hard_limit()
    {
        // "unlimited" as Linux's own ceiling, past which the server does not ask.
        static long Parse(string value) => value == "unlimited" ? long.MaxValue : long.Parse(value);
        static string[] OpenFiles(string limits) =>
            File.ReadAllLines(limits).Single(l => l.StartsWith("Max open files", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long hard = Parse(OpenFiles("/proc/self/limits")[4]);
        Assert.True(hard > 1024, "This test needs a hard open-file limit above 1024 to show the raise.");
        var published = ImageServer.Current;

        // A container runtime's usual soft limit; the Native AOT runtime itself keeps whatever it inherits.
        await using var app = PublishedApp.Start(["/bin/sh", "-c", "ulimit -Sn 1024 && exec \"$0\"", published.Executable],
            published.Directory, Final.Environment(), output);
        await app.WaitHealthyAsync();
        var limit = OpenFiles($"/proc/{app.ProcessId}/limits");
        await app.StopAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(Math.Min(hard, 1_048_576), Parse(limit[3]));
    }

    /// <summary>The base image's user <c>app</c> is uid 1654, which it names <c>$APP_UID</c>.</summary>
    private static bool IsNonRoot(string user) =>
        user.Split(':')[0] is "$APP_UID" or "${APP_UID}" or "app" || (int.TryParse(user.Split(':')[0], out int uid) && uid > 0);

    /// <summary>"10.0" from the projects' <c>net10.0</c>: both images must carry the .NET the app targets.</summary>
    private static string DotnetVersion() =>
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value["net".Length..];
}
