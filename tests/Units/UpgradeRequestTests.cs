using System.Text;
using Notifications.Connections;

namespace Notifications.Tests.Units;

public sealed class UpgradeRequestTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>What Chromium sends, with a resume point.</summary>
    private static string BrowserHead(string target = "/ws?since=0199%2Bab+cd", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: notifications.fly.dev\r\nConnection: Upgrade\r\nPragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nUpgrade: websocket\r\n" +
        "Origin: https://notifications.fly.dev\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n{extra}\r\n";

    private static UpgradeRequest.Verdict Parse(string head, out UpgradeRequest? request, out int headLength) =>
        UpgradeRequest.Parse(Encoding.ASCII.GetBytes(head), out request, out headLength);

    [Fact]
    public void A_browser_handshake_is_taken_with_its_fields_and_the_since_decoded_as_ASP_NET_decodes_queries()
    {
        string head = BrowserHead(extra: "Fly-Client-IP: 203.0.113.9\r\n");

        var verdict = UpgradeRequest.Parse(Encoding.ASCII.GetBytes(head + "\x81\x85frame"), out var request, out int headLength);

        Assert.Equal(UpgradeRequest.Verdict.Ours, verdict);
        Assert.Equal(head.Length, headLength);
        Assert.Equal(new UpgradeRequest("notifications.fly.dev", "https://notifications.fly.dev", "203.0.113.9", Key, "0199+ab cd"), request);
    }

    [Fact]
    public void Another_request_is_recognised_from_its_first_bytes_and_a_partial_handshake_waits_for_more()
    {
        Assert.Equal(UpgradeRequest.Verdict.NotOurs, Parse("GET / HTTP/1.1\r\n", out _, out _));
        Assert.Equal(UpgradeRequest.Verdict.NotOurs, Parse("POST /ws", out _, out _));
        Assert.Equal(UpgradeRequest.Verdict.NeedMore, Parse("GE", out _, out _));
        Assert.Equal(UpgradeRequest.Verdict.NeedMore, Parse(BrowserHead()[..100], out _, out _));
        Assert.Equal(UpgradeRequest.Verdict.NotOurs, Parse("GET /ws" + new string('a', UpgradeRequest.MaxHeadBytes), out _, out _));
    }

    [Theory]
    [InlineData("GET /wsx HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.0\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n Sec-WebSocket-Key: " + Key + "\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\u00e9\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n")]
    public void Anything_but_the_plain_form_is_left_to_ASP_NET(string head)
    {
        var bytes = Encoding.Latin1.GetBytes(head);

        Assert.Equal(UpgradeRequest.Verdict.NotOurs, UpgradeRequest.Parse(bytes, out var request, out _));
        Assert.Null(request);
    }

    [Fact]
    public void Connection_may_list_several_tokens()
    {
        string head = $"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n";

        Assert.Equal(UpgradeRequest.Verdict.Ours, Parse(head, out var request, out _));
        Assert.Null(request!.Since);
    }
}
