using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>
/// sign.js kept running: the Node <c>pusher</c> SDK's authorizeChannel and authenticateUser, which is what
/// Laravel's /broadcasting/auth runs (through pusher-php-server). The test's auth endpoint asks it, so the
/// signatures our verifier checks are the SDK's, not our own.
/// </summary>
internal sealed class Signer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Lock _writeGate = new();
    private readonly Task _reader;
    private int _nextId;

    public Signer(string appId, string key, string secret)
    {
        _process = PusherClients.Start("sign.js", JsonSerializer.Serialize(new { appId, key, secret }));
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>The JSON a Laravel auth endpoint answers: <c>{auth}</c>, plus <c>channel_data</c> for presence.</summary>
    public Task<JsonElement> AuthorizeChannelAsync(string socketId, string channel, JsonNode? channelData) =>
        AskAsync(new JsonObject { ["socket_id"] = socketId, ["channel_name"] = channel, ["channel_data"] = channelData });

    public Task<JsonElement> AuthenticateUserAsync(string socketId, JsonNode userData) =>
        AskAsync(new JsonObject { ["socket_id"] = socketId, ["user_data"] = userData });

    private async Task<JsonElement> AskAsync(JsonObject request)
    {
        int id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        request["id"] = id;
        lock (_writeGate)
            _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var result = await answer.Task.WaitAsync(TimeSpan.FromSeconds(15));
        return result.TryGetProperty("error", out var error)
            ? throw new InvalidOperationException("sign.js: " + error.GetString())
            : result.GetProperty("result");
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var answer = JsonDocument.Parse(line).RootElement.Clone();
            if (_pending.TryRemove(answer.GetProperty("id").GetInt32(), out var waiter))
                waiter.TrySetResult(answer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
    }
}
