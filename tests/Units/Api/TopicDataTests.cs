using Notifications.Messages;

namespace Notifications.Tests.Units.Api;

/// <summary>An alert's <c>data</c> on the topic: written by the publishing instance, read back by every instance, or the message dropped.</summary>
public sealed class TopicDataTests
{
    [Fact]
    public void A_channel_alert_keeps_its_data_from_the_publisher_to_the_relay()
    {
        var data = System.Text.Json.JsonDocument.Parse("""{"job":"7","percent":40}""").RootElement;
        var sent = new AlertMessage("id-1", "Step 3", "ams", "i1", DateTimeOffset.UtcNow, "user:ada", data);

        var read = TopicMessageReader.Read(Frames.TopicAlert(sent), "m1", DateTimeOffset.UtcNow, 280);

        Assert.Equal(("id-1", "user:ada"), (read.Alert!.Id, read.Alert.Channel));
        Assert.Equal(40, read.Alert.Data!.Value.GetProperty("percent").GetInt32());
        Assert.Contains("\"data\":{\"job\":\"7\",\"percent\":40}", System.Text.Encoding.UTF8.GetString(Frames.Alert(read.Alert)));
    }

    [Fact]
    public void An_alert_without_data_has_none_and_one_whose_data_is_not_an_object_is_dropped()
    {
        var plain = TopicMessageReader.Read("""{"text":"x"}"""u8.ToArray(), "m1", DateTimeOffset.UtcNow, 280);
        var bad = TopicMessageReader.Read("""{"text":"x","data":[1]}"""u8.ToArray(), "m2", DateTimeOffset.UtcNow, 280);

        Assert.Null(plain.Alert!.Data);
        Assert.DoesNotContain("data", System.Text.Encoding.UTF8.GetString(Frames.Alert(plain.Alert)));
        Assert.Null(bad.Alert);
        Assert.Contains("data", bad.Invalid);
    }

    [Fact]
    public void The_largest_alert_the_settings_allow_crosses_the_topic_with_every_character_escaped()
    {
        // Each emoji is written \uD83D\uDE00 and each '<' \u003C on the topic: 12 and 6 bytes.
        string text = string.Concat(Enumerable.Repeat("\U0001F600", 10_000));
        var data = System.Text.Json.JsonDocument.Parse($$"""{"k":"{{new string('<', 16_384 - 8)}}"}""").RootElement;
        var sent = new AlertMessage("id-1", text, "ams", "i1", DateTimeOffset.UtcNow, "user:ada", data);
        var encoded = Frames.TopicAlert(sent);

        var read = TopicMessageReader.Read(encoded, "m1", DateTimeOffset.UtcNow, 10_000);

        Assert.True(encoded.Length > 200_000, $"{encoded.Length} bytes: the serialiser no longer escapes as this test assumes");
        Assert.Null(read.Invalid);
        Assert.Equal(text, read.Alert!.Text);
    }
}
