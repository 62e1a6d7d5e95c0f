using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

// The floor for local fan-out: about the least any server can do per delivery on this machine, so the bench
// can tell what the kernel and the load generator cost from what our server adds. No framework, no queues,
// no limits, no keep-alive: the WebSocket handshake, a welcome, and for each read that holds alerts one
// buffer of frames built once and written to every socket with one send() each, the sockets split evenly
// across the cores. It trusts its clients (a socket that stops reading would stall a broadcast) and is
// for the bench only:
//
//   dotnet build -c Release bench/Floor
//   dotnet run -c Release --project bench -- local-fanout --no-gc --server-dll bench/Floor/bin/Release/net10.0/Notifications.Bench.Floor.dll
//
// It listens where the bench tells a server to (ASPNETCORE_URLS, one http://host:port) and answers
// GET /healthz with 200 and the socket count. With FLOOR_FRAME=ours its alert frames carry the fields ours' do
// (an id, the text, region, instance, sentAt, channel), so a run can tell what the bytes cost the floor from
// what they cost ours (docs/benchmarks.md, *Issue 23, phase 12*).

var url = new Uri((Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://127.0.0.1:8080").Split(';')[0]);
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Parse(url.Host), url.Port));
listener.Listen(4096);
Console.WriteLine($"floor listening on {listener.LocalEndPoint}");

var sockets = new Registry();
while (true)
{
    var socket = await listener.AcceptAsync();
    socket.NoDelay = true;
    _ = new Peer(socket, sockets).RunAsync();
}

/// <summary>The open sockets as an array swapped on change, so a broadcast reads it without a lock.</summary>
internal sealed class Registry
{
    private readonly Lock _lock = new();
    private Socket[] _all = [];

    public Socket[] All => Volatile.Read(ref _all);

    public void Add(Socket socket)
    {
        lock (_lock)
            _all = [.. _all, socket];
    }

    public void Remove(Socket socket)
    {
        lock (_lock)
            _all = Array.FindAll(_all, s => s != socket);
    }

    /// <summary>One send() of <paramref name="frames"/> to every socket, the sockets split across the cores.</summary>
    public void Broadcast(byte[] frames)
    {
        var all = All;
        int parts = Math.Min(Environment.ProcessorCount, Math.Max(1, all.Length / 64));
        Parallel.For(0, parts, part =>
        {
            for (int i = part * all.Length / parts, end = (part + 1) * all.Length / parts; i < end; i++)
            {
                try
                {
                    all[i].Send(frames);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        });
    }
}

internal sealed class Peer(Socket socket, Registry registry)
{
    private static readonly byte[] Welcome = ServerFrame(0x1, "{\"type\":\"welcome\"}"u8);
    private static readonly byte[] TextMarker = "\"text\":\""u8.ToArray();
    private static readonly bool FramesAsOurs = Environment.GetEnvironmentVariable("FLOOR_FRAME") == "ours";

    private byte[] _buffer = new byte[4096];
    private int _have;

    public async Task RunAsync()
    {
        try
        {
            string? key = await ReadHeadAsync();
            if (key is null)
                return;
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
            await socket.SendAsync(Welcome);
            registry.Add(socket);
            while (true)
            {
                if (_have == _buffer.Length)
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                int n = await socket.ReceiveAsync(_buffer.AsMemory(_have));
                if (n == 0 || !Consume(_have + n))
                    return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            registry.Remove(socket);
            socket.Dispose();
        }
    }

    /// <summary>Reads the request head; answers anything but a WebSocket upgrade itself and returns null, else the key.</summary>
    private async Task<string?> ReadHeadAsync()
    {
        int end;
        while ((end = _buffer.AsSpan(0, _have).IndexOf("\r\n\r\n"u8)) < 0)
        {
            int n = _have < _buffer.Length ? await socket.ReceiveAsync(_buffer.AsMemory(_have)) : 0;
            if (n == 0)
                return null;
            _have += n;
        }
        string head = Encoding.ASCII.GetString(_buffer, 0, end);
        _buffer.AsSpan(end + 4, _have - end - 4).CopyTo(_buffer);
        _have -= end + 4;
        if (head.StartsWith("GET /healthz", StringComparison.Ordinal))
        {
            string body = $"{{\"status\":\"ready\",\"connections\":{registry.All.Length}}}";
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
            return null;
        }
        string? key = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))?[18..].Trim();
        if (!head.StartsWith("GET /ws", StringComparison.Ordinal) || key is null)
        {
            await socket.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            return null;
        }
        return key;
    }

    /// <summary>
    /// Handles every whole client frame in the buffer: the alerts among them become one buffer of frames,
    /// broadcast once. False once the client has closed.
    /// </summary>
    private bool Consume(int length)
    {
        int offset = 0;
        var alerts = new List<byte>();
        bool open = true;
        while (open && length - offset >= 2)
        {
            var data = _buffer.AsSpan(offset, length - offset);
            int opcode = data[0] & 0x0F, header = 6;
            long payloadLength = data[1] & 0x7F;
            if (payloadLength == 126)
            {
                if (data.Length < 8) break;
                payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
                header = 8;
            }
            else if (payloadLength == 127)
            {
                if (data.Length < 14) break;
                payloadLength = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
                header = 14;
            }
            if (data.Length < header + payloadLength)
                break;
            var mask = data.Slice(header - 4, 4);
            var payload = data.Slice(header, (int)payloadLength);
            for (int i = 0; i < payload.Length; i++)
                payload[i] ^= mask[i & 3];
            switch (opcode)
            {
                case 0x1:
                    AddAlert(alerts, payload);
                    break;
                case 0x8:
                    socket.Send(ServerFrame(0x8, payload[..Math.Min(2, payload.Length)]));
                    open = false;
                    break;
                case 0x9:
                    socket.Send(ServerFrame(0xA, payload));
                    break;
            }
            offset += header + (int)payloadLength;
        }
        _buffer.AsSpan(offset, length - offset).CopyTo(_buffer);
        _have = length - offset;
        if (alerts.Count > 0)
            registry.Broadcast([.. alerts]);
        return open;
    }

    /// <summary>Appends <c>{"type":"alert","text":…}</c> with the client's text, as one server frame.</summary>
    private static void AddAlert(List<byte> alerts, ReadOnlySpan<byte> json)
    {
        int at = json.IndexOf(TextMarker);
        if (at < 0)
            return;
        var rest = json[(at + TextMarker.Length)..];
        int end = rest.IndexOf((byte)'"');
        if (end < 0)
            return;
        alerts.AddRange(FramesAsOurs
            ? ServerFrame(0x1, OursShaped(rest[..end]))
            : ServerFrame(0x1, [.. "{\"type\":\"alert\",\"text\":\""u8, .. rest[..end], .. "\"}"u8]));
    }

    /// <summary>An alert with the fields ours sends, made per alert as ours makes it (a version 7 UUID, the send time in round-trip form).</summary>
    private static byte[] OursShaped(ReadOnlySpan<byte> text)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. Encoding.UTF8.GetBytes($"{{\"type\":\"alert\",\"id\":\"{Guid.CreateVersion7(now)}\",\"text\":\""), .. text,
            .. Encoding.UTF8.GetBytes($"\",\"region\":\"local\",\"instance\":\"64650ed5a93c38\",\"sentAt\":\"{now:O}\",\"channel\":\"global\"}}")];
    }

    /// <summary>An unmasked final frame; payloads here stay under 64 KiB.</summary>
    private static byte[] ServerFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        int header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 2)
            frame[1] = (byte)payload.Length;
        else
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }
}
