using Notifications.Tests.Channels;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Checker;

/// <summary>
/// Issue 20: the checker with channels. Each client is a signed-in user in <c>global</c>, its <c>user:</c>
/// channel and one or two of three team channels; clients send to <c>global</c> and to their teams while a
/// backend sends to every user's channel, and each instance is replaced in turn. Afterwards each client must
/// hold exactly the alerts of its channels, each id once after dropping repeats, and none of any other.
/// </summary>
public sealed partial class DeliveryCheckerTests
{
    private const int UserAlertRounds = 10;

    [Fact(Timeout = 240_000)]
    public async Task Every_subscriber_gets_exactly_the_alerts_of_its_channels_while_instances_restart()
    {
        var (instances, settings, topic) = await StartInstancesAsync(s =>
        {
            Tokens.Accept(s);
            s["CHANNELS_CLIENT_PUBLISH"] = "global,team:*";
        });
        Uri[] Addresses(int _) => instances.Select(i => i.SocketUri).ToArray();
        var clients = Enumerable.Range(0, Clients).Select(n => new CheckerClient(n, Addresses, MembershipOf(n))).ToArray();
        using var admin = new EmulatorAdmin(emulator);
        var ct = TestContext.Current.CancellationToken;
        var stop = new TaskCompletionSource();
        var running = Task.CompletedTask;
        try
        {
            running = await StartAllAsync(clients, TimeSpan.FromMilliseconds(40), stop.Task, ct);
            var backend = SendToUsersAsync(admin, topic, ct);
            for (int i = 0; i < instances.Length; i++)
                instances[i] = await RestartAsync(instances[i], settings[i], after: TimeSpan.FromMilliseconds(400));
            await Task.WhenAll(clients.Select(c => c.SentAll)).WaitAsync(TimeSpan.FromSeconds(60), ct);
            var toUsers = await backend.WaitAsync(TimeSpan.FromSeconds(60), ct);

            var sent = clients.SelectMany(c => c.AcceptedOn).Concat(toUsers).ToList();
            HashSet<string> Due(CheckerClient client) => sent.Where(a => ChannelsOf(client).Contains(a.Channel)).Select(a => a.Text).ToHashSet();
            await AllHoldAsync(clients, Due, TimeSpan.FromSeconds(30));
            Report(clients, Due, minReconnects: 3);
            Assert.Equal(Clients * (AlertsPerClient + UserAlertRounds), sent.Count);
        }
        finally
        {
            await EndAsync(stop, running, clients, instances);
        }
    }

    /// <summary>
    /// Client n is user <c>c{n}</c> in <c>team:{n % 3}</c>, and even ones in the next team too; its alerts go to
    /// <c>global</c>, its first team and its last, in turn. Its token allows every team, so only its joins decide.
    /// </summary>
    private static Membership MembershipOf(int n)
    {
        string[] teams = n % 2 == 0 ? [$"team:{n % 3}", $"team:{(n + 1) % 3}"] : [$"team:{n % 3}"];
        return new Membership(Tokens.For($"c{n}", channels: ["team:*"]), $"user:c{n}", teams,
            sent => (sent % 3) switch { 0 => null, 1 => teams[0], _ => teams[^1] });
    }

    /// <summary>What a backend sends to each user's channel on the topic, in rounds spread over the restarts.</summary>
    private static async Task<List<(string Channel, string Text)>> SendToUsersAsync(EmulatorAdmin admin, string topic, CancellationToken ct)
    {
        List<(string, string)> sent = [];
        for (int round = 0; round < UserAlertRounds; round++)
        {
            for (int n = 0; n < Clients; n++)
            {
                await admin.PublishToChannelAsync(topic, $"user:c{n}", $"u{n}-{round}");
                sent.Add(($"user:c{n}", $"u{n}-{round}"));
            }
            await Task.Delay(300, ct);
        }
        return sent;
    }
}
