using System.Text;
using Microsoft.AspNetCore.Http;
using Notifications.Api;
using Notifications.Messages;
using Notifications.Pusher.Api;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Protocol;
using Notifications.Tests.Units.Pusher;

namespace Notifications.Tests.Units;

/// <summary>
/// JSON that parses but holds text without a Unicode form: an escaped half of a surrogate pair (what JavaScript's
/// JSON.stringify writes for a string cut inside an emoji) or bytes that are not UTF-8. .NET throws only when such a
/// string is read or written out; every reader of outside JSON must refuse it as malformed instead.
/// </summary>
public sealed class StrictJsonTests
{
    private const string HalfEmoji = "\\ud83d";

    [Theory]
    [InlineData("""{"t":"\ud83d"}""", true)]
    [InlineData("""{"t":"\ude00"}""", true)]
    [InlineData("""{"t":"\ud83dx"}""", true)]
    [InlineData("""{"t":"\ud83d\n"}""", true)]
    [InlineData("""{"t":"\ud83d\ud83d\ude00"}""", true)]
    [InlineData("""{"t":"\ud83d"}""" + """ {"u":"\ude00"}""", true)]
    [InlineData("""{"t":"\ud83d\ude00"}""", false)]
    [InlineData("""{"t":"\uD83D\uDE00 and \u00e9 and \\ud83d"}""", false)]
    [InlineData("""{"\ud83d\ude00":"\"\\\/\b\f\n\r\t"}""", false)]
    [InlineData("""{"t":"plain"}""", false)]
    public void An_escaped_lone_surrogate_is_found_and_a_pair_or_an_escaped_backslash_is_not(string json, bool lone)
    {
        Assert.Equal(lone, StrictJson.HasLoneSurrogateEscape(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_not_unicode()
    {
        Assert.False(StrictJson.IsUnicode([.. "{\"t\":\""u8, 0xC3, 0x28, .. "\"}"u8]));
        Assert.False(StrictJson.IsUnicode([.. "{\"t\":\""u8, 0xED, 0xA0, 0xBD, .. "\"}"u8]));
        Assert.True(StrictJson.IsUnicode("{\"t\":\"é😀\"}"u8));
    }

    [Fact]
    public void A_native_frame_with_half_an_emoji_is_answered_invalid_json()
    {
        var request = ClientFrameParser.Parse(Encoding.UTF8.GetBytes($$$"""{"type":"alert","text":"a{{{HalfEmoji}}}"}"""), 280);

        Assert.Equal(ErrorCodes.InvalidJson, request.Error?.Code);
        Assert.Null(ClientFrameParser.Parse(Encoding.UTF8.GetBytes("""{"type":"alert","text":"a\ud83d\ude00"}"""), 280).Error);
    }

    [Theory]
    [InlineData($$$"""{"event":"client-typing","channel":"private-a","data":{"preview":"{{{HalfEmoji}}}"}}""")]
    [InlineData($$$"""{"event":"{{{HalfEmoji}}}"}""")]
    [InlineData($$$"""{"event":"pusher:subscribe","data":{"channel":"{{{HalfEmoji}}}"}}""")]
    [InlineData($$$"""{"event":"pusher:subscribe","data":"{\"channel\":\"news\",\"x\":\"\{{{HalfEmoji}}}\"}"}""")]
    public void A_pusher_frame_with_half_an_emoji_is_an_invalid_frame(string json)
    {
        Assert.IsType<InvalidFrame>(PusherFrameParser.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Presence_channel_data_with_half_an_emoji_is_refused()
    {
        Assert.Null(PresenceMember.Parse($$$"""{"user_id":"7","user_info":{"name":"{{{HalfEmoji}}}"}}""", 1000, out var error));
        Assert.Equal("channel_data is not JSON.", error);
    }

    [Fact]
    public void A_topic_message_with_half_an_emoji_is_dropped_as_not_well_formed()
    {
        var read = TopicMessageReader.Read(Encoding.UTF8.GetBytes($$$"""{"text":"x{{{HalfEmoji}}}"}"""), "m1", DateTimeOffset.UnixEpoch, 280);

        Assert.Null(read.Alert);
        Assert.Equal("body is not well-formed UTF-8 JSON", read.Invalid);
    }

    [Fact]
    public void A_pusher_api_trigger_with_half_an_emoji_is_a_400()
    {
        var trigger = ApiEventReader.Events(PusherTestApps.App(), Encoding.UTF8.GetBytes($$$"""{"name":"e","data":"x{{{HalfEmoji}}}","channels":["orders"]}"""));

        Assert.Equal(400, trigger.Problem?.Status);
    }

    [Fact]
    public async Task A_publish_body_read_stays_intact_when_its_pooled_buffer_is_rented_again()
    {
        const string Body = """{"channel":"global","text":"hello","data":{"step":1}}""";
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Body));

        var (document, _) = await PublishBodyReader.ReadAsync(context.Request, 64 * 1024, TestContext.Current.CancellationToken);
        // The next request on this thread rents the same buffer, and fills it.
        var next = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        next.AsSpan().Fill((byte)'x');

        using (document)
            Assert.Equal(Body, document!.RootElement.GetRawText());
        System.Buffers.ArrayPool<byte>.Shared.Return(next);
    }

    [Fact]
    public async Task A_publish_api_body_with_half_an_emoji_is_a_400()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes($$$"""{"channel":"global","text":"x{{{HalfEmoji}}}"}"""));

        var (document, problem) = await PublishBodyReader.ReadAsync(context.Request, 64 * 1024, TestContext.Current.CancellationToken);

        Assert.Null(document);
        Assert.Equal(400, problem?.Status);
    }
}
