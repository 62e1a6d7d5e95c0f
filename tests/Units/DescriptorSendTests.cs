using System.Net.Sockets;
using Notifications.Tests.Infrastructure;
using Notifications.Transport;

namespace Notifications.Tests.Units;

/// <summary>The direct path's send on the descriptor, over a real loopback socket pair, as <see cref="BareSocketWire"/> uses it.</summary>
public sealed class DescriptorSendTests : IAsyncLifetime
{
    private Socket _client = null!;
    private Socket _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Assert.True(DescriptorSend.IsSupported, "the suite runs on Linux, where the wire sends on the descriptor");
        (_client, _server) = await LoopbackPair.ConnectAsync(Ct);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact(Timeout = 10_000)]
    public async Task What_it_sends_arrives_byte_for_byte()
    {
        byte[] frame = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();

        int sent = DescriptorSend.Send(_server.SafeHandle, frame, out var error);

        Assert.Equal(SocketError.Success, error);
        Assert.Equal(frame.Length, sent);
        var received = new byte[frame.Length];
        int have = 0;
        while (have < received.Length)
            have += await _client.ReceiveAsync(received.AsMemory(have), SocketFlags.None, Ct);
        Assert.Equal(frame, received);
    }

    [Fact(Timeout = 10_000)]
    public void A_peer_that_reads_nothing_fills_the_socket_and_then_a_send_would_block_without_blocking()
    {
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        SocketError error;
        int sent;
        do
        {
            sent = DescriptorSend.Send(_server.SafeHandle, chunk, out error);
            total += sent;
        }
        while (error == SocketError.Success && total < 256L * 1024 * 1024);

        Assert.Equal(SocketError.WouldBlock, error);
        Assert.Equal(0, sent);
        Assert.True(total > 0, "the kernel took something before the socket filled");
    }

    [Fact(Timeout = 10_000)]
    public async Task A_peer_that_reset_the_connection_makes_the_send_fail_with_a_socket_error_not_an_exception()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Close(); // an RST, not a FIN
        await Task.Delay(50, Ct);

        SocketError error = SocketError.Success;
        for (int i = 0; i < 10 && error == SocketError.Success; i++)
        {
            DescriptorSend.Send(_server.SafeHandle, new byte[100], out error);
            await Task.Delay(10, Ct);
        }

        Assert.Contains(error, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
    }

    [Fact(Timeout = 10_000)]
    public void A_closed_socket_throws_as_the_socket_own_send_does()
    {
        _server.Dispose();

        Assert.Throws<ObjectDisposedException>(() => DescriptorSend.Send(_server.SafeHandle, new byte[10], out _));
    }
}
