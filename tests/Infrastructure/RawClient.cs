using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// A WebSocket client over raw TCP, frame by frame: it can send what no well-behaved client library
/// would (unmasked frames, reserved bits, bad close codes, fragments with control frames between).
/// </summary>
public sealed class RawClient : IDisposable
{
    public const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private static readonly byte[] Mask = [0x12, 0x34, 0x56, 0x78];

    private readonly NetworkStream _stream;

    private RawClient(Socket socket) => _stream = new NetworkStream(socket, ownsSocket: true);

    public static async Task<RawClient> ConnectAsync(Uri baseUri)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(baseUri.Host, baseUri.Port, TestContext.Current.CancellationToken);
        return new RawClient(socket);
    }

    /// <summary>Connects, completes the handshake and reads the welcome.</summary>
    public static async Task<RawClient> UpgradeAsync(Uri baseUri) => (await UpgradeWithHeadAsync(baseUri)).Client;

    /// <summary>As <see cref="UpgradeAsync"/>, with the server's response head (which says which path answered: Kestrel adds a Server header).</summary>
    public static async Task<(RawClient Client, string Response)> UpgradeWithHeadAsync(Uri baseUri, string? head = null)
    {
        var client = await ConnectAsync(baseUri);
        await client.WriteAsync(Encoding.ASCII.GetBytes(head ?? Head(baseUri)));
        string response = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 ", response);
        Assert.Contains("\"type\":\"welcome\"", await client.ReadTextFrameAsync());
        return (client, response);
    }

    public static string Head(Uri baseUri, string key = Key, string target = "/ws") =>
        $"GET {target} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n";

    /// <summary>A client frame: masked unless told otherwise, as RFC 6455 requires of clients. <paramref name="firstByte"/> is FIN, RSV and opcode.</summary>
    public static byte[] Frame(byte firstByte, byte[] payload, bool masked = true)
    {
        var header = new List<byte> { firstByte };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            header.AddRange(BitConverter.GetBytes((ulong)payload.Length).Reverse());
        }
        if (!masked)
            return [.. header, .. payload];
        return [.. header, .. Mask, .. payload.Select((b, i) => (byte)(b ^ Mask[i % 4]))];
    }

    public static byte[] Text(string text, bool fin = true) => Frame((byte)((fin ? 0x80 : 0) | 0x1), Encoding.UTF8.GetBytes(text));

    public ValueTask WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

    /// <summary>Writes <paramref name="bytes"/> in pieces of <paramref name="chop"/> bytes, each its own write, with a pause between.</summary>
    public async Task WriteChoppedAsync(byte[] bytes, int chop, TimeSpan pause = default)
    {
        for (int at = 0; at < bytes.Length; at += chop)
        {
            await _stream.WriteAsync(bytes.AsMemory(at, Math.Min(chop, bytes.Length - at)), TestContext.Current.CancellationToken);
            await _stream.FlushAsync(TestContext.Current.CancellationToken);
            if (pause > TimeSpan.Zero)
                await Task.Delay(pause, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The response head, up to its blank line; nothing after it is read.</summary>
    public async Task<string> ReadHeadAsync()
    {
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            head.Append((char)(await ReadExactlyAsync(1))[0]);
        return head.ToString();
    }

    /// <summary>
    /// The next server frame the test asked for: its first byte (FIN, opcode) and payload. What the server
    /// sends of its own accord at any moment, keep-alive pings and presence counts, is skipped.
    /// </summary>
    public async Task<(byte First, byte[] Payload)> ReadFrameAsync()
    {
        while (true)
        {
            var (first, payload) = await ReadAnyFrameAsync();
            bool unasked = first == 0x89 || first == 0x81 && Encoding.UTF8.GetString(payload).Contains("\"type\":\"presence\"");
            if (!unasked)
                return (first, payload);
        }
    }

    /// <summary>
    /// Every frame the server sends until it closes the TCP connection, keep-alive pings and presence
    /// counts left out: what a client gets after it has done its part.
    /// </summary>
    public async Task<List<(byte First, byte[] Payload)>> ReadToEndAsync()
    {
        var frames = new List<(byte, byte[])>();
        try
        {
            while (true)
                frames.Add(await ReadFrameAsync());
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return frames;
        }
    }

    /// <summary>Every frame the server sends up to its close frame, that included, keep-alive pings and presence counts left out.</summary>
    public async Task<List<(byte First, byte[] Payload)>> ReadUntilCloseAsync()
    {
        var frames = new List<(byte, byte[])>();
        while (true)
        {
            var frame = await ReadFrameAsync();
            frames.Add(frame);
            if ((frame.First & 0x0F) == 0x8)
                return frames;
        }
    }

    /// <summary>The next server frame, whatever it is. Server frames must not be masked.</summary>
    private async Task<(byte First, byte[] Payload)> ReadAnyFrameAsync()
    {
        byte[] header = await ReadExactlyAsync(2);
        Assert.True((header[1] & 0x80) == 0, "a server frame was masked");
        long length = (header[1] & 0x7F) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2)),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8)),
            var small => small,
        };
        return (header[0], await ReadExactlyAsync((int)length));
    }

    /// <summary>One final text frame's text.</summary>
    public async Task<string> ReadTextFrameAsync()
    {
        var (first, payload) = await ReadFrameAsync();
        Assert.Equal(0x81, first);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>Skips frames until one with <paramref name="opcode"/> arrives (a ping too), and returns its payload.</summary>
    public async Task<byte[]> ReadUntilAsync(int opcode)
    {
        while (true)
        {
            var (first, payload) = await ReadAnyFrameAsync();
            if ((first & 0x0F) == opcode)
                return payload;
        }
    }

    /// <summary>Reads until the server's close frame and returns its status code.</summary>
    public async Task<int> ReadCloseAsync()
    {
        var payload = await ReadUntilAsync(0x8);
        Assert.True(payload.Length >= 2, "the close frame carries no status");
        return BinaryPrimitives.ReadUInt16BigEndian(payload);
    }

    /// <summary>True once the server has closed the TCP connection (a read returns nothing).</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        var buffer = new byte[256];
        while (true)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
            }
            catch (IOException)
            {
                return true;
            }
            if (read == 0)
                return true;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
        return buffer;
    }

    /// <summary>Ends the connection with a TCP reset instead of a FIN, as a client that crashed or lost its network does.</summary>
    public void Reset()
    {
        _stream.Socket.LingerState = new LingerOption(true, 0);
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
