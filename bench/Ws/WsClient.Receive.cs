using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace Notifications.Bench.Ws;

internal sealed partial class WsClient
{
    private const int BufferSize = 4 * 1024;

    /// <summary>
    /// Reads straight into one pooled buffer held for the socket's life (a zero-byte wait first would
    /// cost a second syscall per wake-up, and the server sends one frame per write), and parses every
    /// whole frame in it. A frame larger than the buffer grows it.
    /// </summary>
    private async Task ReceiveLoopAsync(byte[] leftover)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(BufferSize, leftover.Length));
        int have = 0;
        try
        {
            leftover.CopyTo(buffer, 0);
            have = leftover.Length == 0 ? 0 : Consume(buffer, leftover.Length);
            while (!Closed)
            {
                if (_resume is { } paused)
                    await paused.Task;
                if (have == buffer.Length)
                    buffer = Grow(buffer, have);
                int n = await _socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None);
                if (n == 0)
                    break;
                have = Consume(buffer, have + n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (CloseCode == 0)
                CloseCode = -1;
            Closed = true;
            _live.TrySetException(new WsHandshakeException($"closed before the welcome frame (close code {CloseCode})"));
        }
    }

    private static byte[] Grow(byte[] buffer, int have)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, have).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Handles every complete frame in <c>buffer[..length]</c>; moves a trailing partial frame to the front and returns its length.</summary>
    private int Consume(byte[] buffer, int length)
    {
        long now = Stopwatch.GetTimestamp();
        int offset = 0;
        var data = buffer.AsSpan(0, length);
        while (length - offset >= 2)
        {
            byte b0 = data[offset], b1 = data[offset + 1];
            long payloadLength = b1 & 0x7F;
            int header = 2;
            if (payloadLength == 126)
            {
                if (length - offset < 4) break;
                payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
                header = 4;
            }
            else if (payloadLength == 127)
            {
                if (length - offset < 10) break;
                payloadLength = (long)BinaryPrimitives.ReadUInt64BigEndian(data[(offset + 2)..]);
                header = 10;
            }
            if (length - offset < header + payloadLength)
                break;
            OnFrame(b0 & 0x0F, data.Slice(offset + header, (int)payloadLength), now);
            offset += header + (int)payloadLength;
        }
        int rest = length - offset;
        if (rest > 0 && offset > 0)
            data[offset..].CopyTo(data);
        return rest;
    }

    private void OnFrame(int opcode, ReadOnlySpan<byte> payload, long now)
    {
        switch (opcode)
        {
            case 0x1:
                OnText(payload, now);
                break;
            case 0x8:
                CloseCode = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
                Closed = true;
                TrySend(FrameWriter.Close(payload.Length >= 2 ? payload[..2] : []));
                break;
            case 0x9:
                TrySend(FrameWriter.Pong(payload));
                break;
        }
    }

    private void OnText(ReadOnlySpan<byte> json, long now)
    {
        if (_hub.TryReadTag(json, out int step, out long seq, out long sentTicks))
        {
            _hub.Sink?.OnAlert(Index, step, seq, sentTicks, now);
            return;
        }
        if (json.IndexOf("\"type\":\"welcome\""u8) >= 0)
            MarkLive();
        else if (json.IndexOf("\"type\":\"error\""u8) >= 0)
            Errors++;
        else if (json.IndexOf("\"type\":\"alert\""u8) >= 0)
            ForeignAlerts++;
    }

    private void TrySend(byte[] frame)
    {
        try
        {
            SendRaw(frame);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
