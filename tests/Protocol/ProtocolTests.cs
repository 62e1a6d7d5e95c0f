using System.Net.WebSockets;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>Bad input over a real socket gets a precise error frame, the connection stays usable, and nothing bad is published.</summary>
public sealed class ProtocolTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestInstance _instance = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["ALERT_MAX_LENGTH"] = "10";
        settings["WS_MAX_MESSAGE_BYTES"] = "1024";
        _instance = await TestInstance.StartAsync(settings, output);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("""{"type":"alert","text":"hi","id":"spoofed"}""", "server_field")]
    [InlineData("""{"type":"alert","text":"hi","region":"nowhere"}""", "server_field")]
    [InlineData("""{"type":"alert","text":"hi","instance":"evil"}""", "server_field")]
    [InlineData("""{"type":"alert","text":"hi","sentAt":"2000-01-01T00:00:00Z"}""", "server_field")]
    [InlineData("{\"type\":\"alert\",\"text\":\"", "invalid_json")]
    [InlineData("""not json""", "invalid_json")]
    [InlineData("""[1,2,3]""", "invalid_message")]
    [InlineData("""{"text":"no type"}""", "invalid_message")]
    [InlineData("""{"type":7,"text":"x"}""", "invalid_message")]
    [InlineData("""{"type":"subscribe"}""", "invalid_message")]
    [InlineData("""{"type":"join","channel":"a"}""", "unknown_type")]
    [InlineData("""{"type":"alert"}""", "text_required")]
    [InlineData("""{"type":"alert","text":"   "}""", "text_required")]
    [InlineData("""{"type":"alert","text":["x"]}""", "invalid_message")]
    [InlineData("""{"type":"alert","text":"eleven chars"}""", "text_too_long")]
    [InlineData("""{"type":"alert","text":"x","n":[[[[[[[[[[1]]]]]]]]]]}""", "invalid_json")]
    public async Task Each_kind_of_bad_frame_gets_its_error_code_and_nothing_is_published(string frame, string code)
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);
        await using var witness = await TestSocket.ConnectAsync(_instance.SocketUri);

        await client.SendJsonAsync(frame);
        var error = await client.WaitForErrorAsync(code);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));

        await AssertStillUsableAsync(client, witness);
        Assert.Equal(["ok"], witness.OfType("alert").Select(a => a.GetProperty("text").GetString()));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_ping_is_answered_with_a_pong_carrying_the_server_time_and_a_flood_of_them_is_rate_limited()
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);
        var before = DateTimeOffset.UtcNow;

        await client.SendJsonAsync("""{"type":"ping"}""");
        var pong = await client.WaitForAsync("pong");

        Assert.InRange(pong.GetProperty("serverTime").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Empty(client.OfType("error"));
        // Pings share the budget of subscribes: a page looping on them is told to wait, as for any request.
        for (int i = 0; i < 150; i++)
            await client.SendJsonAsync("""{"type":"ping"}""");
        var limited = await client.WaitForErrorAsync("rate_limited");
        Assert.True(limited.GetProperty("retryAfterMs").GetInt32() > 0);
        Assert.InRange(client.OfType("pong").Count(), 2, 140);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_binary_frame_gets_an_error_frame_and_the_connection_stays_usable()
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);

        await client.SendAsync("""{"type":"alert","text":"x"}"""u8.ToArray(), WebSocketMessageType.Binary);
        await client.WaitForErrorAsync("binary_not_supported");

        await AssertStillUsableAsync(client, client);
    }

    [Fact(Timeout = 30_000)]
    public async Task Invalid_utf8_in_a_text_frame_fails_only_that_connection()
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);
        await using var other = await TestSocket.ConnectAsync(_instance.SocketUri);

        await client.SendAsync([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d], WebSocketMessageType.Text);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await client.WaitForCloseAsync());
        Assert.Empty(client.OfType("error"));
        await AssertStillUsableAsync(other, other);
    }

    [Fact(Timeout = 30_000)]
    public async Task Text_is_trimmed_and_counted_in_code_points()
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);

        await client.SendAlertAsync("  👽👽👽👽👽👽👽👽👽👽  "); // ten aliens: 20 UTF-16 units, 10 code points

        await client.WaitForAlertAsync("👽👽👽👽👽👽👽👽👽👽");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_message_over_the_size_cap_closes_with_1009_and_other_clients_are_unaffected()
    {
        await using var client = await TestSocket.ConnectAsync(_instance.SocketUri);
        await using var other = await TestSocket.ConnectAsync(_instance.SocketUri);

        await client.SendJsonAsync($$"""{"type":"alert","text":"{{new string('x', 2000)}}"}""");

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.WaitForCloseAsync());
        await AssertStillUsableAsync(other, other);
    }

    private static async Task AssertStillUsableAsync(TestSocket client, TestSocket witness)
    {
        await client.SendAlertAsync("ok");
        await witness.WaitForAlertAsync("ok");
    }

    public ValueTask DisposeAsync() => _instance.DisposeAsync();
}
