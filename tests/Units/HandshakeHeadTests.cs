using System.Text;
using Notifications.Transport;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>The bare socket's reading of a handshake head: only the plain form Kestrel reads the same way is taken.</summary>
public sealed class HandshakeHeadTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const int KestrelFields = 100;

    /// <summary>What Chromium sends, with a resume point.</summary>
    private static string BrowserHead(string target = "/ws?since=0199%2Bab+cd", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: notifications.fly.dev\r\nConnection: Upgrade\r\nPragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nUpgrade: websocket\r\n" +
        "Origin: https://notifications.fly.dev\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n" +
        $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n{extra}\r\n";

    private static string Plain(string requestLine = "GET /ws HTTP/1.1", string fields = "") =>
        $"{requestLine}\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n{fields}\r\n";

    private static HandshakeHead.Verdict Parse(string head, out HandshakeHead? parsed, out int headLength) =>
        HandshakeHead.Parse(Encoding.Latin1.GetBytes(head), KestrelFields, out parsed, out headLength);

    private static HandshakeHead.Verdict Parse(string head) => Parse(head, out _, out _);

    [Fact]
    public void A_browser_handshake_is_taken_with_its_fields_and_the_since_decoded_as_ASP_NET_decodes_queries()
    {
        string head = BrowserHead(extra: "Fly-Client-IP: 203.0.113.9\r\n");

        var verdict = HandshakeHead.Parse(Encoding.ASCII.GetBytes(head + "\x81\x85frame"), KestrelFields, out var parsed, out int headLength);

        Assert.Equal(HandshakeHead.Verdict.Ours, verdict);
        Assert.Equal(head.Length, headLength);
        var expected = new HandshakeRequest("GET", "HTTP/1.1", "notifications.fly.dev", "websocket", "Upgrade", "13", Key);
        Assert.Equal(new HandshakeHead(expected, "https://notifications.fly.dev", "203.0.113.9", "0199+ab cd", false, null, null), parsed);
    }

    [Fact]
    public void The_fields_that_carry_a_token_are_read_for_admission_and_never_printed()
    {
        string head = BrowserHead(target: "/ws?SINCE=a&Token=b", extra: "Sec-WebSocket-Protocol: notifications.v1, bearer.secret-token\r\nAuthorization: Bearer other-secret\r\n");

        Assert.Equal(HandshakeHead.Verdict.Ours, Parse(head, out var parsed, out _));

        var request = parsed!.ToAdmission(null);
        Assert.Equal(("a", true, "Bearer other-secret", "notifications.v1, bearer.secret-token"),
            (request.Since, request.TokenInQuery, request.Authorization, request.Protocols));
        Assert.DoesNotContain("secret", parsed.ToString());
        Assert.DoesNotContain("secret", request.ToString());
    }

    [Fact]
    public void Another_request_is_recognised_from_its_first_bytes_and_a_partial_handshake_waits_for_more()
    {
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("GET / HTTP/1.1\r\n"));
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("POST /ws"));
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("get /ws"));
        Assert.Equal(HandshakeHead.Verdict.NeedMore, Parse("GE"));
        Assert.Equal(HandshakeHead.Verdict.NeedMore, Parse(BrowserHead()[..100]));
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("GET /ws" + new string('a', HandshakeHead.MaxHeadBytes)));
    }

    [Fact]
    public void A_bare_CR_ending_the_last_field_is_left_to_Kestrel_as_any_bare_CR_is_while_a_head_cut_after_a_CR_waits()
    {
        // Kestrel refuses a CR inside a field value with 400; taken here, the two paths would answer differently.
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(BrowserHead(extra: "X-A: b\r\r\n")));
        Assert.Equal(HandshakeHead.Verdict.NeedMore, Parse(BrowserHead()[..^3]));
    }

    [Theory]
    [InlineData("/WS")]
    [InlineData("/ws/")]
    [InlineData("/Ws?since=")]
    public void The_path_is_matched_as_routing_matches_it(string target)
    {
        Assert.Equal(HandshakeHead.Verdict.Ours, Parse(Plain($"GET {target} HTTP/1.1")));
    }

    [Fact]
    public void Pushers_door_is_taken_with_its_key_and_protocol_and_needs_no_connection_token()
    {
        Assert.Equal(HandshakeHead.Verdict.Ours, Parse(Plain("GET /app/app-key.1_2?protocol=7&client=js&version=8.6.0 HTTP/1.1"), out var parsed, out _));

        Assert.Equal(("app-key.1_2", "7"), (parsed!.PusherKey, parsed.PusherProtocol));
        Assert.True(parsed.ToAdmission(null).OwnAuthorization);
        Assert.False(Parse(Plain("GET /ws HTTP/1.1"), out var ours, out _) == HandshakeHead.Verdict.Ours && ours!.ToAdmission(null).OwnAuthorization);
    }

    [Theory]
    [InlineData("/app/")]
    [InlineData("/app/a%20b")]
    [InlineData("/app/key/")]
    [InlineData("/apps/1001/events")]
    public void A_pusher_path_a_key_could_not_have_is_left_to_Kestrels_routing(string target)
    {
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(Plain($"GET {target} HTTP/1.1")));
    }

    [Fact]
    public void A_bare_line_feed_is_left_to_Kestrel_at_once_not_waited_on()
    {
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("GET /ws HTTP/1.1\nHost: h\n"));
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse("GET /ws HTTP/1.1\r\nHost: h\rX: 1\r\n"));
    }

    [Theory]
    [InlineData("GET /wsx HTTP/1.1", "")]
    [InlineData("GET /ws/x HTTP/1.1", "")]
    [InlineData("GET /w%73 HTTP/1.1", "")]
    [InlineData("GET http://h/ws HTTP/1.1", "")]
    [InlineData("GET /ws?since=\"x\" HTTP/1.1", "")]
    [InlineData("GET /ws HTTP/1.0", "")]
    [InlineData("GET  /ws HTTP/1.1", "")]
    [InlineData("GET /ws HTTP/1.1", "Host: h\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X-Twice: 1\r\nx-twice: 2\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X-Name : 1\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X(Name): 1\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X-Long: 1\r\n folded\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X-Name: caf\u00e9\r\n")]
    [InlineData("GET /ws HTTP/1.1", "X-Name: a\u0001b\r\n")]
    [InlineData("GET /ws HTTP/1.1", "Content-Length: 5\r\n")]
    [InlineData("GET /ws HTTP/1.1", "Transfer-Encoding: chunked\r\n")]
    public void Anything_but_the_plain_form_is_left_to_Kestrel(string requestLine, string fields)
    {
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(Plain(requestLine, fields), out var parsed, out _));
        Assert.Null(parsed);
    }

    [Theory]
    [InlineData("h_x")]
    [InlineData("h x")]
    [InlineData("[::1]:80")]
    [InlineData("h:")]
    [InlineData("h:123456")]
    [InlineData("")]
    public void A_host_not_of_the_plain_form_is_left_to_Kestrel(string host)
    {
        string head = Plain().Replace("Host: h\r\n", $"Host: {host}\r\n");

        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(head));
    }

    [Fact]
    public void A_head_without_a_host_is_left_to_Kestrel()
    {
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(Plain().Replace("Host: h\r\n", "")));
    }

    [Fact]
    public void More_fields_than_Kestrel_allows_are_left_to_Kestrel()
    {
        string fields(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"X-{i}: {i}\r\n"));

        Assert.Equal(HandshakeHead.Verdict.Ours, Parse(Plain(fields: fields(KestrelFields - 5))));
        Assert.Equal(HandshakeHead.Verdict.NotOurs, Parse(Plain(fields: fields(KestrelFields - 4))));
    }

    [Fact]
    public void A_well_formed_head_the_decision_will_refuse_is_still_read_so_both_paths_refuse_it_alike()
    {
        string head = Plain().Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8").Replace("Upgrade: websocket", "Upgrade: h2c");

        Assert.Equal(HandshakeHead.Verdict.Ours, Parse(head, out var parsed, out _));
        Assert.Equal(("8", "h2c"), (parsed!.Request.Version, parsed.Request.Upgrade));
    }
}
