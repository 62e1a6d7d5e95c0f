using System.Net;
using System.Net.Sockets;

namespace Notifications.Tests.Browser;

/// <summary>
/// A load balancer in front of instances, as Fly's proxy is: each TCP connection goes to the first instance that
/// accepts it, so while a page's own instance is down its reconnects land on another. Bytes pass untouched.
/// </summary>
internal sealed class FrontDoor : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri[] _backends;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FrontDoor(params Uri[] backends)
    {
        _backends = backends;
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseUri { get; }

    /// <summary>While true, every new connection is closed at once, as a proxy with no healthy instance would.</summary>
    public bool Refusing { get; set; }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            if (Refusing)
                return;
            using var backend = await ConnectAsync();
            if (backend is null)
                return;
            var (front, back) = (client.GetStream(), backend.GetStream());
            try
            {
                // When either side ends, both are closed, as a proxy does.
                await Task.WhenAny(front.CopyToAsync(back, _stop.Token), back.CopyToAsync(front, _stop.Token));
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task<TcpClient?> ConnectAsync()
    {
        foreach (var backend in _backends)
        {
            var candidate = new TcpClient();
            try
            {
                await candidate.ConnectAsync(backend.Host, backend.Port, _stop.Token);
                return candidate;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                candidate.Dispose();
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
