using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>The handshake decision RFC 6455 §4.2 asks of a server, on parsed fields alone.</summary>
public sealed class HandshakeCheckTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private static readonly HandshakeRequest Valid = new("GET", "HTTP/1.1", "h", "websocket", "Upgrade", "13", Key);

    [Fact]
    public void The_accept_value_is_RFC_6455_s_worked_example()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.AcceptKey(Key));
    }

    [Fact]
    public void A_valid_request_is_accepted_with_101_and_an_HTTP_2_extended_CONNECT_with_200()
    {
        Assert.Equal(new HandshakeVerdict(101, null), Handshake.Check(Valid));
        var http2 = new HandshakeRequest("CONNECT", "HTTP/2", "h", null, null, "13", null, "websocket");
        Assert.Equal(new HandshakeVerdict(200, null), Handshake.Check(http2));
    }

    private static readonly Dictionary<string, (HandshakeRequest Request, int Status)> Faults = new()
    {
        ["HTTP/1.0"] = (Valid with { HttpVersion = "HTTP/1.0" }, 400),
        ["no Upgrade"] = (Valid with { Upgrade = null }, 400),
        ["Upgrade: h2c"] = (Valid with { Upgrade = "h2c" }, 400),
        ["Connection: keep-alive"] = (Valid with { Connection = "keep-alive" }, 400),
        ["POST"] = (Valid with { Method = "POST" }, 400),
        ["no Host"] = (Valid with { Host = null }, 400),
        ["version 8"] = (Valid with { Version = "8" }, 426),
        ["no version"] = (Valid with { Version = null }, 426),
        ["two versions"] = (Valid with { Version = "13, 8" }, 426),
        ["short key"] = (Valid with { Key = "c2hvcnQ=" }, 400),
        ["no key"] = (Valid with { Key = null }, 400),
        ["key not base64"] = (Valid with { Key = "not base64 at all!!!!!!!" }, 400),
        ["HTTP/2 GET"] = (Valid with { HttpVersion = "HTTP/2" }, 400),
        ["HTTP/2 CONNECT, other protocol"] = (new("CONNECT", "HTTP/2", "h", null, null, "13", null, "chat"), 400),
    };

    public static TheoryData<string> FaultNames => [.. Faults.Keys];

    [Theory]
    [MemberData(nameof(FaultNames))]
    public void Each_fault_gets_its_status_and_a_reason(string fault)
    {
        var (request, status) = Faults[fault];
        var verdict = Handshake.Check(request);

        Assert.False(verdict.Accepted, fault);
        Assert.Equal(status, verdict.Status);
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
    }

    [Fact]
    public void Token_lists_and_case_are_read_as_the_RFC_says()
    {
        Assert.True(Handshake.Check(Valid with { Upgrade = "WebSocket", Connection = "keep-alive, upgrade" }).Accepted);
    }

    [Fact]
    public void The_101_answer_carries_the_accept_value()
    {
        string response = System.Text.Encoding.ASCII.GetString(Handshake.SwitchingProtocolsResponse(Key));

        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", response);
        Assert.Contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response);
        Assert.EndsWith("\r\n\r\n", response);
    }
}
