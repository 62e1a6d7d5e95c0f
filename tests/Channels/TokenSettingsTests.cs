using System.Diagnostics;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>AUTH_REQUIRED on a real server, and the token example of docs/protocol.md minted exactly as a reader would.</summary>
public sealed class TokenSettingsTests(ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task With_tokens_required_an_anonymous_socket_is_refused_with_401_and_a_signed_in_one_is_welcomed()
    {
        var settings = TestInstance.StandaloneSettings();
        Tokens.Accept(settings);
        settings["AUTH_REQUIRED"] = "true";
        await using var instance = await TestInstance.StartAsync(settings, output);

        var (status, body) = await TestSocket.RefusalAsync(instance.SocketUri);
        Assert.Equal(401, status);
        Assert.Contains("needs a connection token", body);
        await using var socket = await TestSocket.ConnectAsync(instance.SocketUri, token: Tokens.For("u7"));
        Assert.Equal("u7", socket.OfType("welcome").Single().GetProperty("user").GetString());
        Assert.Equal("notifications.v1", socket.SubProtocol);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_one_line_token_example_in_the_protocol_page_mints_a_token_the_server_takes()
    {
        string page = File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot(), "docs", "protocol.md"));
        string command = page.Split('\n').Single(line => line.StartsWith("node -e '", StringComparison.Ordinal));
        var settings = TestInstance.StandaloneSettings();
        settings["AUTH_HS256_SECRET"] = Tokens.Secret;
        await using var instance = await TestInstance.StartAsync(settings, output);

        string token = await MintAsync(command);
        await using var socket = await TestSocket.ConnectAsync(instance.SocketUri, token: token);
        Assert.Equal("42", socket.OfType("welcome").Single().GetProperty("user").GetString());
        await socket.SubscribeAsync("team:42");
        await socket.SubscribeAsync("job:7");
        Assert.Equal("channel_forbidden", (await socket.SubscribeRefusedAsync("team:43")).Code());
    }

    private static async Task<string> MintAsync(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["AUTH_HS256_SECRET"] = Tokens.Secret;
        using var process = Process.Start(start)!;
        string token = (await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim();
        string errors = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"the example failed: {errors}");
        return token;
    }
}
