using System.Buffers.Binary;
using System.Diagnostics;

namespace Notifications.Bench.Ws;

internal sealed partial class WsClient
{
    private enum State { Connecting, Upgrading, Open, Closed }

    private const int MaxFrame = 16 * 1024 * 1024; // a malformed length fails the client instead of growing its buffer without end

    private volatile State _state;
    private byte[]? _partial; // a frame (or the upgrade response) not yet whole, kept between reads
    private int _partialLength;

    /// <summary>
    /// Called by the loop's thread when the socket is ready; <paramref name="buffer"/> is the loop's, lent for
    /// this call. The descriptor is held meanwhile, so an <see cref="Abort"/> on another thread closes it after.
    /// </summary>
    public void OnReady(byte[] buffer)
    {
        bool added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            if (_state == State.Connecting)
                OnConnected();
            else if (_state is State.Upgrading or State.Open)
                Read(buffer);
        }
        catch (ObjectDisposedException) when (!added)
        {
        }
        catch (Exception e)
        {
            Finish(e);
        }
        finally
        {
            if (added)
                _socket.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>One <c>recv()</c> after what was kept from the last one, then every whole frame in it.</summary>
    private void Read(byte[] loopBuffer)
    {
        int have = _partialLength;
        byte[] buffer = loopBuffer;
        if (have <= loopBuffer.Length / 2)
            _partial.AsSpan(0, have).CopyTo(loopBuffer);
        else
        {
            // A frame as large as half the loop's buffer: read on into the client's own, grown as needed.
            if (_partial!.Length < 2 * have)
                Array.Resize(ref _partial, 2 * have);
            buffer = _partial;
        }
        int n = Linux.Recv(_fd, buffer.AsSpan(have));
        if (n == -Linux.EAGAIN)
            return;
        if (n <= 0)
        {
            Finish(n == 0 ? null : new System.Net.Sockets.SocketException((int)Linux.ToSocketError(-n)));
            return;
        }
        have += n;
        int offset = 0;
        if (_state == State.Upgrading)
        {
            int end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                Keep(buffer.AsSpan(0, have));
                return;
            }
            OnUpgradeResponse(buffer.AsSpan(0, end));
            offset = end + 4;
        }
        offset += Consume(buffer.AsSpan(offset, have - offset));
        Keep(buffer.AsSpan(offset, have - offset));
    }

    /// <summary>Keeps what is left of a read for the next one (<paramref name="rest"/> may lie in <c>_partial</c> itself).</summary>
    private void Keep(ReadOnlySpan<byte> rest)
    {
        if (rest.Length > (_partial?.Length ?? 0))
            _partial = new byte[Math.Max(rest.Length, 256)];
        rest.CopyTo(_partial);
        _partialLength = rest.Length;
    }

    /// <summary>Handles every complete frame in <paramref name="data"/>; returns how many bytes they took.</summary>
    private int Consume(ReadOnlySpan<byte> data)
    {
        long now = Stopwatch.GetTimestamp();
        int offset = 0, length = data.Length;
        while (length - offset >= 2 && _state == State.Open)
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
            if (payloadLength is < 0 or > MaxFrame)
                throw new InvalidDataException($"a frame of {payloadLength} bytes (the bench takes at most {MaxFrame})");
            if (length - offset < header + payloadLength)
                break;
            OnFrame(b0 & 0x0F, data.Slice(offset + header, (int)payloadLength), now);
            offset += header + (int)payloadLength;
        }
        return _state == State.Open ? offset : length;
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
                TrySend(FrameWriter.Close(payload.Length >= 2 ? payload[..2] : []));
                Finish(null);
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
            var sink = _hub.Sink;
            sink?.OnAlert(Index, step, seq, sentTicks, now);
            if (sink is not null && sink.WantsAccepted(step, seq) && ClientHub.TryReadSentAt(json, out long accepted))
                sink.OnAccepted(seq, sentTicks, accepted);
            if (_hub.TrackAlertIds)
                RememberAlertId(json);
            return;
        }
        if (_hub.Channel is { } channel && OnChannelFrame(json, channel))
            return;
        if (json.IndexOf("\"type\":\"welcome\""u8) >= 0)
            OnWelcome(json);
        else if (json.IndexOf("\"type\":\"goaway\""u8) >= 0)
            OnGoAway(json);
        else if (json.IndexOf("\"type\":\"error\""u8) >= 0)
            Errors++;
        else if (json.IndexOf("\"type\":\"alert\""u8) >= 0)
            ForeignAlerts++;
    }

    /// <summary>Joining the hub's channel: subscribe once connected (through either door), live once the server says so.</summary>
    private bool OnChannelFrame(ReadOnlySpan<byte> json, ChannelDoor channel)
    {
        if (json.IndexOf("\"type\":\"welcome\""u8) >= 0)
            TrySend(FrameWriter.Text(channel.OurSubscribe));
        else if (json.IndexOf("\"event\":\"pusher:connection_established\""u8) >= 0)
            TrySend(FrameWriter.Text(channel.PusherSubscribe));
        else if (json.IndexOf("\"type\":\"subscribed\""u8) >= 0 || json.IndexOf("\"event\":\"pusher_internal:subscription_succeeded\""u8) >= 0)
            MarkLive();
        else if (json.IndexOf("\"event\":\"pusher:error\""u8) >= 0)
            Errors++;
        else
            return false;
        return true;
    }

    private void TrySend(byte[] frame)
    {
        try
        {
            SendRaw(frame);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The connection ended: by the server's close frame or end of stream (<paramref name="cause"/> null), a failed connect or upgrade, or a timeout.</summary>
    private void Finish(Exception? cause)
    {
        if (CloseCode == 0)
            CloseCode = -1;
        Closed = true;
        _upgraded.TrySetException(cause ?? new WsHandshakeException("the server closed the connection during the upgrade"));
        _live.TrySetException(cause ?? new WsHandshakeException($"closed before the welcome frame (close code {CloseCode})"));
        Stop();
    }

    /// <summary>
    /// Leaves the loop, once. Only <see cref="Abort"/> closes the descriptor, and only after this, so
    /// every epoll call under <c>_gate</c> in an open state is on this socket's descriptor.
    /// </summary>
    private void Stop()
    {
        lock (_gate)
        {
            if (_state == State.Closed)
                return;
            _state = State.Closed;
            _loop.Remove(_fd, _id);
        }
        _ended.TrySetResult();
    }
}
