using Microsoft.Extensions.DependencyInjection;
using Notifications.Connections;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>The server pings every socket each keep-alive interval; a peer that answers stays, however long.</summary>
public sealed class KeepAliveTests(ITestOutputHelper output)
{
    [Fact(Timeout = 30_000)]
    public async Task A_peer_that_answers_pings_is_kept_across_many_intervals()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["WS_KEEPALIVE_SECONDS"] = "1";
        await using var instance = await TestInstance.StartAsync(settings, output);
        var registry = instance.Services.GetRequiredService<ConnectionRegistry>();
        using var client = await RawClient.UpgradeAsync(instance.BaseUri);

        // Five intervals: a silent peer would have been dropped after two.
        for (int i = 0; i < 5; i++)
        {
            byte[] ping = await client.ReadUntilAsync(0x9);
            await client.WriteAsync(RawClient.Frame(0x8A, ping));
        }

        Assert.Equal(1, registry.Count);
    }
}
