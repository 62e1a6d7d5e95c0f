using System.Text.Json;
using System.Xml.Linq;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Deploy;

/// <summary>
/// What can be checked of the image without a Docker engine: the final stage's shape, and that the
/// build stage, replayed on this machine, publishes an app that starts, serves the page and stops
/// cleanly the way ENTRYPOINT starts it.
/// </summary>
public sealed class DockerfileTests(ITestOutputHelper output)
{
    private static readonly string Root = ServerProcess.RepositoryRoot();
    private static readonly IReadOnlyList<Stage> Stages = Dockerfile.Parse(File.ReadAllText(Path.Combine(Root, "Dockerfile")));
    private static Stage Final => Stages[^1];
    private static Stage Build => Stages.Single(s => s.Name == PublishCopy().From);

    [Fact]
    public void The_final_stage_runs_the_published_app_on_the_aspnet_runtime_as_a_non_root_user_on_8080()
    {
        string version = DotnetVersion();
        Assert.StartsWith($"mcr.microsoft.com/dotnet/sdk:{version}", Build.BaseImage);
        Assert.StartsWith($"mcr.microsoft.com/dotnet/aspnet:{version}", Final.BaseImage);
        Assert.Empty(Final.All("RUN"));
        string user = Final.Last("USER");
        Assert.True(IsNonRoot(user), $"USER {user} may be root.");
        Assert.Equal("8080", Final.Last("EXPOSE"));
        var environment = Final.Environment();
        Assert.Equal("8080", environment["PORT"]);
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);

        var (_, source, destination) = PublishCopy();
        string[] publish = Build.All("RUN").Select(Dockerfile.Words).Single(c => c is ["dotnet", "publish", ..]);
        Assert.Equal(source, publish[Array.FindIndex(publish, w => w is "-o" or "--output") + 1]);
        string workdir = Final.Last("WORKDIR");
        Assert.Contains(destination, new[] { ".", "./", workdir, workdir + "/" });
        Assert.Equal("dotnet", Final.EntryPoint()[0]);
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

    [Fact(Timeout = 300_000)]
    public async Task The_build_stage_publishes_an_app_that_serves_the_page_and_stops_cleanly_as_ENTRYPOINT_runs_it()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var fileSystem = Directory.CreateTempSubdirectory("notifications-image-");
        try
        {
            var build = new ImageBuild(Root, fileSystem.FullName, output);
            await build.ReplayAsync(Build, TimeSpan.FromMinutes(3));
            string published = build.Map(PublishCopy().Source);
            string[] entryPoint = Final.EntryPoint();
            Assert.True(File.Exists(Path.Combine(published, entryPoint[1])), $"{entryPoint[1]} was not published.");
            Assert.True(File.Exists(Path.Combine(published, "wwwroot", "index.html")), "The page was not published.");

            await using var app = PublishedApp.Start(entryPoint, published, Final.Environment(), output);
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
        finally
        {
            fileSystem.Delete(recursive: true);
        }
    }

    /// <summary>The final stage's <c>COPY --from=&lt;stage&gt; &lt;source&gt; &lt;destination&gt;</c> that brings in the app.</summary>
    private static (string From, string Source, string Destination) PublishCopy()
    {
        string copy = Final.All("COPY").Single(c => Stage.Flag(c, "from") is not null);
        string[] paths = Dockerfile.Words(copy).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
        return (Stage.Flag(copy, "from")!, paths[0], paths[1]);
    }

    /// <summary>The base image's user <c>app</c> is uid 1654, which it names <c>$APP_UID</c>.</summary>
    private static bool IsNonRoot(string user) =>
        user.Split(':')[0] is "$APP_UID" or "${APP_UID}" or "app" || (int.TryParse(user.Split(':')[0], out int uid) && uid > 0);

    /// <summary>"10.0" from the projects' <c>net10.0</c>: both images must carry the .NET the app targets.</summary>
    private static string DotnetVersion() =>
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value["net".Length..];
}
