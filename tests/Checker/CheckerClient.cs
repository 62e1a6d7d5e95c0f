using System.Net.WebSockets;
using System.Text.Json;
using Notifications.Tests.Channels;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Checker;

/// <summary>
/// A checker client's channels: its connection token (so it is in its <c>user:</c> channel), the channels it
/// joins besides <c>global</c>, and where each alert it sends goes (by its number; null for <c>global</c>).
/// </summary>
internal sealed record Membership(string Token, string UserChannel, string[] Channels, Func<int, string?> SendTo);

/// <summary>
/// One client of the checker: sends numbered alerts while its socket is live, and whenever the socket is
/// closed under it (an instance restarting) reconnects to another instance with <c>?since=</c> its last
/// alert, as the page does, until told to stop. With a <see cref="Membership"/> it connects with its token,
/// joins its channels, and on each reconnect resumes every channel from the last alert it got there.
/// It records every alert frame received, duplicates included.
/// </summary>
internal sealed class CheckerClient(int number, Func<int, Uri[]> addresses, Membership? membership = null)
{
    private readonly List<TestSocket> _sockets = [];
    private readonly List<(string Channel, string Text)> _accepted = [];
    private readonly TaskCompletionSource _sentAll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // A channel it has had nothing on yet, even at its first join, is resumed from when the client began: an id of
    // that time, which no instance holds, so the instance replays all it keeps from then on (all of the run).
    private readonly string _began = Guid.CreateVersion7().ToString();

    public int Number => number;
    public Membership? Membership => membership;
    public int Reconnects { get; private set; }
    public int IncompleteResumes { get; private set; }

    /// <summary>Alert texts this client sent on a socket that was still open: each must reach every client.</summary>
    public IEnumerable<string> Accepted => _accepted.Select(a => a.Text);

    /// <summary>What this client sent on a socket that was still open, with the channel it went to.</summary>
    public IReadOnlyList<(string Channel, string Text)> AcceptedOn => _accepted;

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
                string? channel = membership?.SendTo(sent);
                try
                {
                    await (channel is null ? socket.SendAlertAsync(text) : socket.SendAlertAsync(channel, text));
                }
                catch (WebSocketException)
                {
                    break;
                }
                _accepted.Add((channel ?? "global", text));
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
            string? since = membership is null ? Alerts.Select(a => a.GetProperty("id").GetString()).LastOrDefault() : LastOn("global");
            var choices = addresses(number + attempt);
            int index = (number + attempt) % choices.Length;
            if (index == avoid)
                index = (index + 1) % choices.Length;
            var uri = since is null ? choices[index] : new Uri($"{choices[index]}?since={Uri.EscapeDataString(since)}");
            TestSocket? socket = null;
            try
            {
                socket = await TestSocket.ConnectAsync(uri, token: membership?.Token);
                _sockets.Add(socket);
                CountIncomplete(socket.OfType("welcome").Single());
                await JoinAsync(socket);
                return (socket, index);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or TimeoutException)
            {
                // That instance is restarting (before or during the joins); try another.
                if (socket is not null)
                    await socket.DisposeAsync();
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>Joins (or, on a reconnect, resumes) every channel: its user channel, which it is in from the start, and the others.</summary>
    private async Task JoinAsync(TestSocket socket)
    {
        if (membership is null)
            return;
        foreach (var channel in membership.Channels.Prepend(membership.UserChannel))
            CountIncomplete(await socket.SubscribeAsync(channel, LastOn(channel)));
    }

    private string LastOn(string channel) =>
        Alerts.Where(a => ChannelSockets.Channel(a) == channel).Select(a => a.GetProperty("id").GetString()).LastOrDefault() ?? _began;

    private void CountIncomplete(JsonElement answer)
    {
        if (answer.TryGetProperty("resume", out var resume) && resume.ValueKind == JsonValueKind.Object && !resume.GetProperty("complete").GetBoolean())
            IncompleteResumes++;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
            await socket.DisposeAsync();
    }
}
