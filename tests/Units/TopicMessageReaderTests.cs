using System.Text;
using Notifications.Messages;

namespace Notifications.Tests.Units;

public sealed class TopicMessageReaderTests
{
    private static readonly DateTimeOffset PublishTime = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static TopicMessage Read(string body) => TopicMessageReader.Read(Encoding.UTF8.GetBytes(body), "m-1", PublishTime, 280);

    [Fact]
    public void A_foreign_alert_with_only_text_gets_the_message_id_publish_time_and_external_origin()
    {
        var alert = Read("""{"text":"  Deploy finished  "}""").Alert!;

        Assert.Equal(new AlertMessage("m-1", "Deploy finished", "external", "external", PublishTime), alert);
    }

    [Fact]
    public void An_alert_from_an_instance_keeps_its_own_stamps()
    {
        var alert = Read("""{"type":"alert","id":"a-1","text":"hi","region":"ams","instance":"x","sentAt":"2026-11-23T11:59:59Z"}""").Alert!;

        Assert.Equal(("a-1", "ams", "x", PublishTime.AddSeconds(-1)), (alert.Id, alert.Region, alert.Instance, alert.SentAt));
    }

    [Fact]
    public void Alerts_from_one_instance_share_its_origin_strings_and_an_untidy_origin_is_still_cleaned_each_time()
    {
        const string Body = """{"type":"alert","text":"hi","region":"ams","instance":"machine-1"}""";
        var (first, second) = (Read(Body).Alert!, Read(Body).Alert!);
        var other = Read("""{"type":"alert","text":"hi","region":"syd","instance":"machine-2"}""").Alert!;
        var untidy = Read("""{"type":"alert","text":"hi","region":"  ams  ","instance":"machine-1 "}""").Alert!;

        Assert.Same(first.Region, second.Region);
        Assert.Same(first.Instance, second.Instance);
        Assert.Equal(("syd", "machine-2"), (other.Region, other.Instance));
        Assert.Equal(("ams", "machine-1"), (untidy.Region, untidy.Instance));
        Assert.Equal(new string('r', 64), Read($$"""{"text":"hi","region":"{{new string('r', 70)}}"}""").Alert!.Region);
    }

    [Fact]
    public void A_channel_alert_names_its_channel_and_an_alert_is_for_global()
    {
        Assert.Equal("user:auth0|7", Read("""{"type":"channel_alert","channel":"user:auth0|7","text":"Your export is ready"}""").Alert!.Channel);
        Assert.Equal("global", Read("""{"type":"alert","text":"hi"}""").Alert!.Channel);
        Assert.Equal("global", Read("""{"type":"alert","channel":"global","text":"hi"}""").Alert!.Channel);
        Assert.Equal("global", Read("""{"text":"hi"}""").Alert!.Channel);
    }

    [Theory]
    [InlineData("""{"type":"channel_alert","text":"x"}""", "\"channel\" is missing")]
    [InlineData("""{"type":"channel_alert","channel":"team 1","text":"x"}""", "\"channel\" is not valid")]
    [InlineData("""{"type":"channel_alert","channel":7,"text":"x"}""", "\"channel\" is not a string")]
    [InlineData("""{"type":"alert","channel":"user:42","text":"x"}""", "needs type \"channel_alert\"")]
    [InlineData("""{"channel":"user:42","text":"x"}""", "needs type \"channel_alert\"")]
    public void A_channel_alert_without_a_valid_channel_or_a_plain_alert_naming_one_is_invalid(string body, string reason) =>
        Assert.Contains(reason, Read(body).Invalid);

    [Fact]
    public void A_heartbeat_is_read_as_one()
    {
        var heartbeat = Read("""{"type":"heartbeat","instance":"x","region":"ams","connections":7,"sentAt":"2026-11-23T12:00:00Z"}""").Heartbeat!;

        Assert.Equal(new HeartbeatMessage("x", "ams", 7, PublishTime), heartbeat);
    }

    [Fact]
    public void A_heartbeat_names_the_subscription_it_receives_on()
    {
        var heartbeat = Read("""{"type":"heartbeat","instance":"x","region":"ams","connections":7,"sentAt":"2026-11-23T12:00:00Z","subscription":"ID_x_0a1b2c3d"}""").Heartbeat!;

        Assert.Equal(new HeartbeatMessage("x", "ams", 7, PublishTime, "ID_x_0a1b2c3d"), heartbeat);
    }

    [Fact]
    public void A_heartbeat_we_write_reads_back_the_same()
    {
        var sent = new HeartbeatMessage("x", "ams", 7, PublishTime, "ID_x_0a1b2c3d");

        Assert.Equal(sent, TopicMessageReader.Read(Frames.Heartbeat(sent), "m-1", PublishTime, 280).Heartbeat);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("garbage", "not well-formed")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"type":"alert"}""", "\"text\" is missing")]
    [InlineData("""{"text":5}""", "\"text\" is not a string")]
    [InlineData("""{"text":"x","sentAt":"yesterday"}""", "RFC 3339")]
    [InlineData("""{"type":"poll","text":"x"}""", "type is not")]
    [InlineData("""{"type":"heartbeat","instance":"x"}""", "heartbeat")]
    [InlineData("""{"type":"heartbeat","instance":"x","region":"ams","connections":7,"sentAt":"2026-11-23T12:00:00Z","subscription":5}""", "\"subscription\" is not a string")]
    [InlineData("""{"text":"   "}""", "non-empty")]
    public void Anything_else_is_invalid_with_a_reason(string body, string reason)
    {
        var read = Read(body);

        Assert.Null(read.Alert);
        Assert.Null(read.Heartbeat);
        Assert.Contains(reason, read.Invalid);
    }

    [Fact]
    public void Text_over_the_limit_is_invalid()
    {
        Assert.Contains("limit is 280", Read($$"""{"text":"{{new string('a', 281)}}"}""").Invalid);
    }
}
