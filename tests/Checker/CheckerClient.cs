using System.Net.WebSockets;
using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Checker;

/// <summary>
/// One client of the checker: sends numbered alerts while its socket is live, and whenever the socket is
/// closed under it (an instance restarting) reconnects to another instance with <c>?since=</c> its last
/// alert, as the page does, until told to stop. It records every alert frame received, duplicates included.
/// </summary>
internal sealed class CheckerClient(int number, Func<int, Uri[]> addresses)
{
    private readonly List<TestSocket> _sockets = [];
    private readonly List<string> _accepted = [];
    private readonly TaskCompletionSource _sentAll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Number => number;
    public int Reconnects { get; private set; }
    public int IncompleteResumes { get; private set; }

    /// <summary>Alert texts this client sent on a socket that was still open: each must reach every client.</summary>
    public IReadOnlyList<string> Accepted => _accepted;

    /// <summary>Every alert frame received on every socket, in arrival order, duplicates included.</summary>
    public IEnumerable<JsonElement> Alerts => _sockets.SelectMany(s => s.OfType("alert"));

    /// <summary>Completes once this client has sent all its alerts.</summary>
    public Task SentAll => _sentAll.Task;

    /// <summary>Completes once this client's first socket is open.</summary>
    public Task Connected => _connected.Task;

    /// <summary>
    /// Connects, waits for <paramref name="go"/> (every client connected: an alert sent before a client
    /// was there is not one it could miss), sends <paramref name="count"/> alerts, then stays connected
    /// (reconnecting as needed) until <paramref name="stop"/> completes.
    /// </summary>
    public async Task RunAsync(int count, TimeSpan pace, Task go, Task stop, CancellationToken cancellationToken)
    {
        int sent = 0, avoid = -1;
        while (true)
        {
            var (socket, index) = await ConnectAsync(avoid, cancellationToken);
            _connected.TrySetResult();
            await go.WaitAsync(cancellationToken);
            while (IsLive(socket))
            {
                if (sent == count)
                {
                    _sentAll.TrySetResult();
                    if (stop.IsCompleted)
                        return;
                    await Task.WhenAny(stop, socket.Closed, Task.Delay(100, cancellationToken));
                    continue;
                }
                string text = $"c{number}-{sent}";
                try
                {
                    await socket.SendAlertAsync(text);
                }
                catch (WebSocketException)
                {
                    break;
                }
                _accepted.Add(text);
                sent++;
                await Task.Delay(pace, cancellationToken);
            }
            await socket.WaitForCloseAsync(TimeSpan.FromSeconds(10));
            avoid = index;
            Reconnects++;
        }
    }

    private static bool IsLive(TestSocket socket) =>
        socket.CloseStatus is null && !socket.Closed.IsCompleted && !socket.OfType("goaway").Any();

    private async Task<(TestSocket Socket, int Index)> ConnectAsync(int avoid, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            string? since = Alerts.Select(a => a.GetProperty("id").GetString()).LastOrDefault();
            var choices = addresses(number + attempt);
            int index = (number + attempt) % choices.Length;
            if (index == avoid)
                index = (index + 1) % choices.Length;
            var uri = since is null ? choices[index] : new Uri($"{choices[index]}?since={Uri.EscapeDataString(since)}");
            try
            {
                var socket = await TestSocket.ConnectAsync(uri);
                _sockets.Add(socket);
                if (socket.OfType("welcome").Single().TryGetProperty("resume", out var resume) && resume.ValueKind == JsonValueKind.Object
                    && !resume.GetProperty("complete").GetBoolean())
                    IncompleteResumes++;
                return (socket, index);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException)
            {
                await Task.Delay(100, cancellationToken); // that instance is restarting; try another
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
            await socket.DisposeAsync();
    }
}
