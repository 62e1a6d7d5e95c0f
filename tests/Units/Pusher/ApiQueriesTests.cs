using System.Text;
using Microsoft.Extensions.Time.Testing;
using Notifications.Pusher.Api;
using Notifications.Pusher.Presence;

namespace Notifications.Tests.Units.Pusher;

public sealed class ApiQueriesTests
{
    private sealed class Census : IPusherChannelCensus
    {
        public Dictionary<string, int> Counts { get; } = new() { ["news"] = 3, ["presence-room"] = 2, ["presence-other"] = 1 };

        public IReadOnlyCollection<(string Channel, int Subscriptions)> Occupied(string appId, string prefix) =>
            [.. Counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(c => (c.Key, c.Value))];

        public int Subscriptions(string appId, string channel) => Counts.GetValueOrDefault(channel);
    }

    private readonly Census _census = new();
    private readonly PresenceRoster _roster = new("i", 1, new RecordingOutlet(), new FakeTimeProvider(), TimeSpan.FromSeconds(5));

    public ApiQueriesTests()
    {
        _roster.Join("pusher:1001:presence-room", "1.1", new PresenceMember("7", null));
        _roster.Join("pusher:1001:presence-room", "1.2", new PresenceMember("8", null));
        _roster.Join("pusher:1001:presence-room", "1.3", new PresenceMember("8", null));
    }

    private static string Text(ApiResult<byte[]> result) => Encoding.UTF8.GetString(result.Value!);

    [Fact]
    public void Channels_lists_occupied_channels_by_prefix_with_the_asked_for_counts()
    {
        var app = PusherTestApps.App();

        Assert.Equal("""{"channels":{"news":{},"presence-room":{},"presence-other":{}}}""", Text(ApiQueries.Channels(app, null, null, _census, _roster)));
        Assert.Equal("""{"channels":{"presence-room":{"user_count":2,"subscription_count":2},"presence-other":{"user_count":0,"subscription_count":1}}}""",
            Text(ApiQueries.Channels(app, "presence-", "user_count,subscription_count", _census, _roster)));
        Assert.Equal(400, ApiQueries.Channels(app, "pri", "user_count", _census, _roster).Problem!.Status);
    }

    [Fact]
    public void Channel_says_whether_it_is_occupied_and_counts_users_of_presence_channels_only()
    {
        var app = PusherTestApps.App();

        Assert.Equal("""{"occupied":true,"user_count":2}""", Text(ApiQueries.Channel(app, "presence-room", "user_count", _census, _roster)));
        Assert.Equal("""{"occupied":false,"subscription_count":0}""", Text(ApiQueries.Channel(app, "empty", "subscription_count", _census, _roster)));
        Assert.Equal(400, ApiQueries.Channel(app, "news", "user_count", _census, _roster).Problem!.Status);
        Assert.Equal(400, ApiQueries.Channel(app, "bad name", null, _census, _roster).Problem!.Status);
    }

    [Fact]
    public void Users_lists_each_user_of_a_presence_channel_once()
    {
        var app = PusherTestApps.App();

        Assert.Equal("""{"users":[{"id":"7"},{"id":"8"}]}""", Text(ApiQueries.Users(app, "presence-room", _roster)));
        Assert.Equal(400, ApiQueries.Users(app, "news", _roster).Problem!.Status);
    }

    [Fact]
    public void A_trigger_answers_empty_unless_info_asks_and_a_batch_answers_per_event()
    {
        var app = PusherTestApps.App();
        var plain = ApiEventReader.Events(app, Encoding.UTF8.GetBytes("""{"name":"e","data":"x","channels":["news","presence-room"]}""")).Value!;
        var info = ApiEventReader.Events(app, Encoding.UTF8.GetBytes("""{"name":"e","data":"x","channels":["news","presence-room"],"info":"subscription_count,user_count"}""")).Value!;
        var batch = ApiEventReader.Batch(app, Encoding.UTF8.GetBytes("""{"batch":[{"name":"e","channel":"news","data":"x"},{"name":"e","channel":"presence-room","data":"x","info":"user_count"}]}""")).Value!;

        Assert.Equal("{}", Encoding.UTF8.GetString(ApiQueries.Triggered(app, plain, _census, _roster)));
        Assert.Equal("""{"channels":{"news":{"subscription_count":3},"presence-room":{"user_count":2,"subscription_count":2}}}""",
            Encoding.UTF8.GetString(ApiQueries.Triggered(app, info, _census, _roster)));
        Assert.Equal("""{"batch":[{},{"user_count":2}]}""", Encoding.UTF8.GetString(ApiQueries.Triggered(app, batch, _census, _roster)));
    }
}
