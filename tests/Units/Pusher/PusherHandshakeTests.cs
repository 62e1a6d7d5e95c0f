using Notifications.Pusher.Protocol;

namespace Notifications.Tests.Units.Pusher;

public sealed class PusherHandshakeTests
{
    [Theory]
    [InlineData("app-key", "7", 0)]
    [InlineData("app-key", "5", 0)]
    [InlineData("nope", "7", 4001)]
    [InlineData("app-key", null, 4008)]
    [InlineData("app-key", "4", 4007)]
    [InlineData("app-key", "8", 4007)]
    [InlineData("app-key", "7x", 4007)]
    public void A_connect_is_decided_on_the_key_and_the_protocol(string key, string? protocol, int code)
    {
        var decision = PusherHandshake.Decide(PusherTestApps.Apps(), key, protocol);

        Assert.Equal(code, decision.Code);
        Assert.Equal(code == 0, decision.App is not null);
    }

    [Fact]
    public void A_refusal_comes_with_the_error_frame_pusher_js_reads_before_the_close()
    {
        var frame = System.Text.Json.JsonDocument.Parse(PusherHandshake.Decide(PusherTestApps.Apps(), "nope", "7").ErrorFrame()).RootElement;

        Assert.Equal(4001, frame.GetProperty("data").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Socket_ids_are_digits_dot_digits_and_differ()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => SocketIds.New()).ToList();

        Assert.All(ids, id => Assert.True(SocketIds.IsValid(id), id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.False(SocketIds.IsValid("1.2.3"));
        Assert.False(SocketIds.IsValid("a.1"));
        Assert.False(SocketIds.IsValid("1."));
        Assert.False(SocketIds.IsValid("1.2\n"));
        Assert.False(SocketIds.IsValid("\u0661.\u0662")); // Arabic-Indic digits
    }
}
