using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Every handshake case, sent byte for byte to a server taking sockets on the bare socket and to one
/// taking every socket through Kestrel: both give the same answer, and it is the expected one. An
/// upgrade is a live socket (its welcome arrives, an alert comes back), never a 101 and then a drop.
/// </summary>
public sealed class HandshakeConformanceTests(ProtocolServers servers, ITestOutputHelper output) : ProtocolTest(servers, output)
{
    private const string Key = RawClient.Key;
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private const string Fields = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n";

    /// <summary>A good token: user u1, for an hour from when the tests started.</summary>
    private static readonly string Good = Tokens.For("u1");

    /// <summary>Each case: the head ({host} is the server's authority) and the status both transports must answer with.</summary>
    private static readonly Dictionary<string, (string Head, int Status)> Cases = new()
    {
        ["plain"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["path in capitals"] = ($"GET /WS HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["trailing slash"] = ($"GET /ws/ HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["mixed case with an empty since"] = ($"GET /Ws?since= HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["a resume point"] = ($"GET /ws?since=0199%2Bab+cd HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["token lists and case"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\nUpgrade: WebSocket\r\nConnection: keep-alive, upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n", 101),
        ["compression offered, not taken"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", 101),
        ["a field twice"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}X-Twice: 1\r\nX-Twice: 2\r\n\r\n", 101),
        ["absolute URL as target"] = ($"GET http://{{host}}/ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["escaped path"] = ($"GET /w%73 HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 101),
        ["version 8"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace("Version: 13", "Version: 8")}\r\n", 426),
        ["no version"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace("Sec-WebSocket-Version: 13\r\n", "")}\r\n", 426),
        ["HTTP/1.0"] = ($"GET /ws HTTP/1.0\r\nHost: {{host}}\r\n{Fields}\r\n", 400),
        ["a plain GET"] = ("GET /ws HTTP/1.1\r\nHost: {host}\r\n\r\n", 400),
        ["POST"] = ($"POST /ws HTTP/1.1\r\nHost: {{host}}\r\nContent-Length: 0\r\n{Fields}\r\n", 400),
        ["Upgrade: h2c"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace("Upgrade: websocket", "Upgrade: h2c")}\r\n", 400),
        ["no Connection: Upgrade"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace("Connection: Upgrade", "Connection: keep-alive")}\r\n", 400),
        ["short key"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace(Key, "c2hvcnQ=")}\r\n", 400),
        ["no key"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields.Replace($"Sec-WebSocket-Key: {Key}\r\n", "")}\r\n", 400),
        ["since too long"] = ($"GET /ws?since={new string('x', 166)} HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 400),
        ["an origin not allowed"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}Origin: https://evil.example\r\n\r\n", 403),
        ["no Host"] = ($"GET /ws HTTP/1.1\r\n{Fields}\r\n", 400),
        ["a host Kestrel refuses"] = ($"GET /ws HTTP/1.1\r\nHost: a b\r\n{Fields}\r\n", 400),
        // HTTP/1.1 lets a server take a bare LF as a line end (RFC 9112 §2.2); Kestrel does, so the bare socket leaves such heads to it.
        ["bare LF line ends"] = ($"GET /ws HTTP/1.1\nHost: {{host}}\n{Fields.Replace("\r\n", "\n")}\n", 101),
        ["a non-ASCII byte in a field"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}X-Name: caf\u00e9\r\n\r\n", 400),
        ["a folded field"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}X-Long: a\r\n b\r\n\r\n", 400),
        ["space before a colon"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}X-Name : a\r\n\r\n", 400),
        ["more than 100 fields"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}{string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: {i}\r\n"))}\r\n", 431),
        ["a body"] = ($"GET /ws HTTP/1.1\r\nHost: {{host}}\r\n{Fields}Content-Length: 5\r\n\r\nhello", 400),
        ["another path"] = ($"GET /wsx HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 404),
        ["a path below"] = ($"GET /ws/x HTTP/1.1\r\nHost: {{host}}\r\n{Fields}\r\n", 404),
        ["our subprotocol alone"] = (WithFields("Sec-WebSocket-Protocol: notifications.v1\r\n"), 101),
        ["another subprotocol alone"] = (WithFields("Sec-WebSocket-Protocol: chat\r\n"), 101),
        ["a token beside our subprotocol"] = (WithFields($"Sec-WebSocket-Protocol: {Tokens.Subprotocols(Good)}\r\n"), 101),
        ["a token beside our subprotocol, in two fields"] = (WithFields($"Sec-WebSocket-Protocol: notifications.v1\r\nSec-WebSocket-Protocol: bearer.{Good}\r\n"), 101),
        ["a token in Authorization"] = (WithFields($"Authorization: Bearer {Good}\r\n"), 101),
        ["a token with a resume point"] = (WithFields($"Sec-WebSocket-Protocol: {Tokens.Subprotocols(Good)}\r\n", "/ws?since=x"), 101),
        ["a token subprotocol alone"] = (WithFields($"Sec-WebSocket-Protocol: bearer.{Good}\r\n"), 400),
        ["two token subprotocols"] = (WithFields($"Sec-WebSocket-Protocol: notifications.v1, bearer.{Good}, bearer.{Good}\r\n"), 400),
        ["a token in both headers"] = (WithFields($"Sec-WebSocket-Protocol: {Tokens.Subprotocols(Good)}\r\nAuthorization: Bearer {Good}\r\n"), 400),
        ["Authorization: Basic"] = (WithFields("Authorization: Basic dXNlcjpwYXNz\r\n"), 400),
        ["a token in the URL"] = (WithFields("", $"/ws?token={Good}"), 400),
        ["a token in the URL, name in capitals"] = (WithFields("", "/ws?since=x&TOKEN=y"), 400),
        ["an expired token"] = (WithToken(Tokens.Hs256(Tokens.Claims("u1", expiresIn: TimeSpan.FromMinutes(-5)))), 401),
        ["a token signed with another secret"] = (WithToken(Tokens.Hs256(Tokens.Claims("u1"), "another-secret-of-at-least-thirty-two-bytes")), 401),
        ["a token with alg none"] = (WithToken(Tokens.Unsigned(Tokens.Claims("u1"))), 401),
        ["a forged token"] = (WithToken(Tokens.Forged(Good, Tokens.Claims("someone-else"))), 401),
        ["a token for another audience"] = (WithToken(Tokens.Hs256(Tokens.Claims("u1", audience: "billing"))), 401),
        ["a token that is not a JWT"] = (WithToken("not-a-jwt"), 401),
    };

    private static string WithFields(string fields, string target = "/ws") => $"GET {target} HTTP/1.1\r\nHost: {{host}}\r\n{Fields}{fields}\r\n";

    private static string WithToken(string token) => WithFields($"Sec-WebSocket-Protocol: {Tokens.Subprotocols(token)}\r\n");

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(CaseNames))]
    public async Task Both_transports_give_the_same_expected_answer(string name)
    {
        var (head, status) = Cases[name];

        var bare = await AnswerAsync(ProtocolServers.Bare, head);
        var kestrel = await AnswerAsync(ProtocolServers.Kestrel, head);

        Assert.Equal(kestrel, bare);
        Assert.Equal(status, bare.Status);
        if (status == 101)
            Assert.Equal((Accept, (string?)null, true), (bare.Accept, bare.Extensions, bare.Live));
        if (status == 426)
            Assert.Equal("13", bare.Version);
        // Our subprotocol is echoed when offered, and nothing else ever is: never the token.
        Assert.Equal(status == 101 && head.Contains("notifications.v1") ? "notifications.v1" : null, bare.Protocol);
        if (status == 401)
            Assert.Equal("Bearer", bare.Authenticate);
        Assert.DoesNotContain(Good, bare.Head);
    }

    /// <summary>What a client learns from the answer: the status, the WebSocket fields, and for a 101 whether the socket then works.</summary>
    private sealed record Answer(int Status, string? Accept, string? Version, string? Extensions, string? Protocol, string? Authenticate, bool Live)
    {
        /// <summary>The whole head, to look for what must never be in it; not compared.</summary>
        public string Head { get; init; } = "";

        public bool Equals(Answer? other) => other is not null && (Status, Accept, Version, Extensions, Protocol, Authenticate, Live) ==
            (other.Status, other.Accept, other.Version, other.Extensions, other.Protocol, other.Authenticate, other.Live);

        public override int GetHashCode() => HashCode.Combine(Status, Accept, Protocol, Live);
    }

    private async Task<Answer> AnswerAsync(string transport, string head)
    {
        var baseUri = Servers[transport].BaseUri;
        using var client = await RawClient.ConnectAsync(baseUri);
        await client.WriteAsync(Encoding.Latin1.GetBytes(head.Replace("{host}", baseUri.Authority)));
        string response = await client.ReadHeadAsync();
        int status = int.Parse(response.Split(' ')[1]);
        bool live = status == 101 && await IsLiveAsync(client);
        return new Answer(status, Field(response, "Sec-WebSocket-Accept"), Field(response, "Sec-WebSocket-Version"), Field(response, "Sec-WebSocket-Extensions"),
            Field(response, "Sec-WebSocket-Protocol"), Field(response, "WWW-Authenticate"), live) { Head = response };
    }

    /// <summary>The welcome arrives and an alert sent comes back.</summary>
    private static async Task<bool> IsLiveAsync(RawClient client)
    {
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
        await client.WriteAsync(RawClient.Frame(0x81, Echo.Alert("alive")));
        return await client.ReadAlertTextAsync() == "alive";
    }

    private static string? Field(string response, string name) =>
        response.Split("\r\n").FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();
}
