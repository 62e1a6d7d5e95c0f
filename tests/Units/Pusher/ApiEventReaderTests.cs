using System.Text;
using Notifications.Pusher.Api;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Trigger bodies as the Node SDK writes them (<c>{name, data, channels, socket_id?, info?}</c>, data already a JSON string), and bad ones.</summary>
public sealed class ApiEventReaderTests
{
    private static ApiResult<ApiTrigger> Events(string body, Action<Notifications.Configuration.PusherOptions>? configure = null) =>
        ApiEventReader.Events(PusherTestApps.App(configure), Encoding.UTF8.GetBytes(body));

    private static ApiResult<ApiTrigger> Batch(string body, Action<Notifications.Configuration.PusherOptions>? configure = null) =>
        ApiEventReader.Batch(PusherTestApps.App(configure), Encoding.UTF8.GetBytes(body));

    [Fact]
    public void A_trigger_to_several_channels_becomes_one_event_with_its_data_string_and_exclusion()
    {
        var trigger = Events("""{"name":"App\\Events\\OrderShipped","data":"{\"id\":5}","channels":["orders","private-orders.5"],"socket_id":"1.2","info":"subscription_count"}""");

        var item = Assert.Single(trigger.Value!.Items);
        Assert.Equal(("App\\Events\\OrderShipped", "1001", "1.2"), (item.Event.Event, item.Event.App, item.Event.ExceptSocketId));
        Assert.Equal(["orders", "private-orders.5"], item.Event.Channels);
        Assert.Equal("{\"id\":5}", item.Event.Data!.Value.GetString());
        Assert.Equal(ChannelAttributes.SubscriptionCount, item.Info);
        Assert.Equal("pusher:1001:orders", item.Event.InternalChannel("orders"));
        Assert.Equal("""{"event":"App\\Events\\OrderShipped","channel":"orders","data":"{\"id\":5}"}""", Encoding.UTF8.GetString(item.Event.Frame("orders")));
    }

    [Fact]
    public void A_single_channel_and_object_data_are_taken_as_the_sdk_would_have_sent_them()
    {
        var trigger = Events("""{"name":"e","data":{"id":5},"channel":"orders"}""");

        Assert.Equal(["orders"], trigger.Value!.Items[0].Event.Channels);
        Assert.Equal("""{"id":5}""", trigger.Value.Items[0].Event.Data!.Value.GetString());
    }

    [Fact]
    public void A_batch_becomes_events_in_order()
    {
        var trigger = Batch("""{"batch":[{"name":"a","channel":"x","data":"1"},{"name":"b","channel":"presence-y","data":"2","info":"user_count"}]}""");

        Assert.True(trigger.Value!.IsBatch);
        Assert.Equal(["a", "b"], trigger.Value.Items.Select(i => i.Event.Event));
        Assert.Equal(ChannelAttributes.UserCount, trigger.Value.Items[1].Info);
    }

    [Theory]
    [InlineData("[]", 400, "JSON object")]
    [InlineData("{", 400, "well-formed")]
    [InlineData("""{"data":"x","channels":["a"]}""", 400, "\"name\"")]
    [InlineData("""{"name":"pusher:x","data":"x","channels":["a"]}""", 400, "Pusher's own")]
    [InlineData("""{"name":"e","channels":["a"]}""", 400, "\"data\" is required")]
    [InlineData("""{"name":"e","data":"x"}""", 400, "\"channels\"")]
    [InlineData("""{"name":"e","data":"x","channels":[]}""", 400, "1 to 100 channels")]
    [InlineData("""{"name":"e","data":"x","channels":["bad name"]}""", 400, "not a valid channel name")]
    [InlineData("""{"name":"e","data":"x","channels":["private-encrypted-a","b"]}""", 400, "encrypted")]
    [InlineData("""{"name":"e","data":"x","channels":["a"],"socket_id":"abc"}""", 400, "socket_id")]
    public void Bad_triggers_are_refused_with_a_status_and_a_reason(string body, int status, string reason)
    {
        var problem = Events(body).Problem!;

        Assert.Equal(status, problem.Status);
        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_channels_too_much_data_and_too_large_a_batch_are_refused()
    {
        string channels = string.Join(',', Enumerable.Range(0, 101).Select(i => $"\"c{i}\""));

        Assert.Equal(400, Events($$"""{"name":"e","data":"x","channels":[{{channels}}]}""").Problem!.Status);
        Assert.Equal(413, Events($$"""{"name":"e","data":"{{new string('x', 300)}}","channel":"a"}""", o => o.MaxEventBytes = 256).Problem!.Status);
        Assert.Contains("1 to 2 events", Batch("""{"batch":[{"name":"a","channel":"x","data":"1"},{"name":"a","channel":"x","data":"1"},{"name":"a","channel":"x","data":"1"}]}""", o => o.MaxBatchSize = 2).Problem!.Message, StringComparison.Ordinal);
        Assert.Contains("batch[1]: \"channel\"", Batch("""{"batch":[{"name":"a","channel":"x","data":"1"},{"name":"a","data":"1"}]}""").Problem!.Message, StringComparison.Ordinal);
    }
}
