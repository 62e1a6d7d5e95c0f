using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Notifications.Tests.Infrastructure;
using Notifications.Transport;

namespace Notifications.Tests.Units;

/// <summary>The direct path's reader over a real loopback socket pair, as the connection's receive loop uses it.</summary>
public sealed class SocketReaderTests : IAsyncLifetime
{
    private Socket _client = null!;
    private Socket _server = null!;
    private SocketReader _reader = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        (_client, _server) = await LoopbackPair.ConnectAsync(Ct);
        _reader = new SocketReader(_server, new SocketReceiver());
    }

    public ValueTask DisposeAsync()
    {
        _reader.Complete();
        _client.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }

    private static byte[] Bytes(int count, int seed) => Enumerable.Range(seed, count).Select(i => (byte)i).ToArray();

    [Fact(Timeout = 10_000)]
    public async Task A_message_larger_than_the_buffer_arrives_whole_while_the_reader_examines_without_consuming()
    {
        byte[] message = Bytes(20_000, 7);
        var reading = Task.Run(async () =>
        {
            while (true)
            {
                var result = await _reader.ReadAsync(Ct);
                if (result.Buffer.Length >= message.Length)
                {
                    byte[] whole = result.Buffer.Slice(0, message.Length).ToArray();
                    _reader.AdvanceTo(result.Buffer.GetPosition(message.Length));
                    return whole;
                }
                Assert.False(result.IsCompleted);
                _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // a frame still arriving: examined, nothing consumed
            }
        }, Ct);
        for (int sent = 0; sent < message.Length; sent += 3000)
        {
            await _client.SendAsync(message.AsMemory(sent, Math.Min(3000, message.Length - sent)), SocketFlags.None, Ct);
            await Task.Delay(20, Ct);
        }

        Assert.Equal(message, await reading);
        Assert.False(_reader.TryRead(out _), "everything was consumed: nothing is left to hand out");
    }

    [Fact(Timeout = 10_000)]
    public async Task What_was_not_consumed_comes_first_in_the_next_read_and_what_was_not_examined_comes_back_at_once()
    {
        await _client.SendAsync(Bytes(100, 0), SocketFlags.None, Ct);
        var first = await ReadAtLeastAsync(100);
        _reader.AdvanceTo(first.Buffer.GetPosition(40), first.Buffer.GetPosition(70));

        Assert.True(_reader.TryRead(out var again), "bytes past the examined point are handed out without waiting");
        Assert.Equal(Bytes(60, 40), again.Buffer.ToArray());
        _reader.AdvanceTo(again.Buffer.GetPosition(10), again.Buffer.End);
        Assert.False(_reader.TryRead(out _), "all was examined: the next read waits for new bytes");

        await _client.SendAsync(Bytes(5, 100), SocketFlags.None, Ct);
        var next = await ReadAtLeastAsync(55);
        Assert.Equal(Bytes(55, 50), next.Buffer.ToArray());
    }

    [Fact(Timeout = 10_000)]
    public async Task The_client_s_FIN_completes_the_reader_with_what_it_sent()
    {
        await _client.SendAsync(Bytes(10, 0), SocketFlags.None, Ct);
        _client.Shutdown(SocketShutdown.Send);
        var result = await _reader.ReadAsync(Ct);
        while (!result.IsCompleted)
        {
            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await _reader.ReadAsync(Ct);
        }
        Assert.Equal(Bytes(10, 0), result.Buffer.ToArray());
    }

    [Fact(Timeout = 10_000)]
    public async Task A_reset_under_a_waiting_read_ends_the_input_as_a_failure_without_an_exception()
    {
        await _client.SendAsync(Bytes(10, 0), SocketFlags.None, Ct);
        var first = await ReadAtLeastAsync(10);
        _reader.AdvanceTo(first.Buffer.GetPosition(4), first.Buffer.End);
        var pending = _reader.ReadAsync(Ct);
        _client.LingerState = new LingerOption(true, 0);
        _client.Dispose(); // linger 0: an RST, not a FIN

        var result = await pending;
        Assert.True(result.IsCompleted, "a reset ends the input");
        Assert.Equal(Bytes(6, 4), result.Buffer.ToArray()); // what was not consumed is still handed out
        Assert.True(_reader.Failed, "the reader tells a reset from a FIN");
    }

    [Fact(Timeout = 10_000)]
    public async Task A_FIN_is_not_a_failure()
    {
        _client.Shutdown(SocketShutdown.Send);
        var result = await _reader.ReadAsync(Ct);

        Assert.True(result.IsCompleted);
        Assert.False(_reader.Failed);
    }

    [Fact(Timeout = 10_000)]
    public async Task Closing_the_socket_under_a_waiting_read_ends_it()
    {
        var pending = _reader.ReadAsync(Ct);
        _server.Dispose(); // as an abort does

        var result = await pending;
        Assert.True(result.IsCompleted);
        Assert.True(_reader.Failed);
    }

    private async Task<ReadResult> ReadAtLeastAsync(int length)
    {
        var result = await _reader.ReadAsync(Ct);
        while (result.Buffer.Length < length)
        {
            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await _reader.ReadAsync(Ct);
        }
        return result;
    }
}
