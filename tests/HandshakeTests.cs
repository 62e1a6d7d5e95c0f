using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests;

/// <summary>
/// Handshakes over raw TCP, byte by byte as a client sends them: the plain form is taken at the
/// connection, anything else reaches ASP.NET with its bytes intact.
/// </summary>
public sealed class HandshakeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; // RFC 6455 §1.3's worked example
    private TestInstance _instance = null!;

    public async ValueTask InitializeAsync() => _instance = await TestInstance.StartAsync(TestInstance.StandaloneSettings(), output);

    public ValueTask DisposeAsync() => _instance.DisposeAsync();

    private static string Head(string key = Key) =>
        $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n";

    [Fact(Timeout = 30_000)]
    public async Task A_handshake_split_over_two_writes_with_an_alert_right_behind_it_is_upgraded_and_the_alert_delivered()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        byte[] head = Encoding.ASCII.GetBytes(Head());
        await client.WriteAsync(head[..40]);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await client.WriteAsync([.. head[40..], .. MaskedText("""{"type":"alert","text":"behind the head"}""")]);

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains($"Sec-WebSocket-Accept: {Accept}\r\n", response);
        // Taken at the connection: ASP.NET's answer would carry Kestrel's Server and Date headers.
        Assert.DoesNotContain("Server:", response);
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
        Assert.Contains("\"text\":\"behind the head\"", await client.ReadTextFrameAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task A_malformed_handshake_reaches_ASP_NET_which_refuses_it_with_400()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(Head(key: "c2hvcnQ=")));

        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 400 ", response);
        Assert.Contains("Server: Kestrel", response);
    }

    [Fact(Timeout = 30_000)]
    public async Task Other_requests_pass_through_with_their_bytes_intact()
    {
        using var client = await RawClient.ConnectAsync(_instance.BaseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

        Assert.StartsWith("HTTP/1.1 200 ", await client.ReadHeadAsync());
    }

    /// <summary>A client frame: FIN + text, masked as RFC 6455 requires of clients.</summary>
    private static byte[] MaskedText(string json)
    {
        byte[] payload = Encoding.UTF8.GetBytes(json);
        Assert.True(payload.Length < 126);
        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        return [0x81, (byte)(0x80 | payload.Length), .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    private sealed class RawClient : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;

        private RawClient(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public static async Task<RawClient> ConnectAsync(Uri baseUri)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(baseUri.Host, baseUri.Port, TestContext.Current.CancellationToken);
            return new RawClient(socket);
        }

        public ValueTask WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

        /// <summary>The response head, up to its blank line; nothing after it is read.</summary>
        public async Task<string> ReadHeadAsync()
        {
            var head = new StringBuilder();
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                head.Append((char)(await ReadExactlyAsync(1))[0]);
            return head.ToString();
        }

        /// <summary>One unmasked server frame's text.</summary>
        public async Task<string> ReadTextFrameAsync()
        {
            byte[] header = await ReadExactlyAsync(2);
            Assert.Equal(0x81, header[0]);
            long length = header[1] switch
            {
                126 => BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2)),
                127 => (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8)),
                var small => small,
            };
            return Encoding.UTF8.GetString(await ReadExactlyAsync((int)length));
        }

        private async Task<byte[]> ReadExactlyAsync(int count)
        {
            var buffer = new byte[count];
            await _stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
            return buffer;
        }

        public void Dispose() => _stream.Dispose();
    }
}
