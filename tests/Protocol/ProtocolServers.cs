using System.Text;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Protocol;

/// <summary>
/// Two standalone servers for a class of protocol tests, one per transport: sockets taken on the bare
/// socket (the default) and every socket through Kestrel (<c>WS_BARE_SOCKETS=false</c>). Each test is a
/// theory over <see cref="Transports"/>, so every case runs on both. The servers' logs go to the
/// output of the test running at the time.
/// </summary>
public sealed class ProtocolServers : IAsyncLifetime
{
    public const string Bare = "bare";
    public const string Kestrel = "kestrel";

    /// <summary>The largest message the servers take: room for Autobahn's 64 KiB frames.</summary>
    public const int MaxMessageBytes = 70_000;

    private readonly Dictionary<string, TestInstance> _instances = [];

    public static TheoryData<string> Transports => [Bare, Kestrel];

    public TestInstance this[string transport] => _instances[transport];

    /// <summary>Points both servers' logs at the current test's output.</summary>
    public ITestOutputHelper? Output
    {
        set
        {
            foreach (var instance in _instances.Values)
                instance.Log.Output = value;
        }
    }

    public async ValueTask InitializeAsync()
    {
        foreach (var transport in new[] { Bare, Kestrel })
        {
            var settings = TestInstance.StandaloneSettings(transport);
            settings["WS_BARE_SOCKETS"] = transport == Bare ? "true" : "false";
            settings["WS_MAX_MESSAGE_BYTES"] = MaxMessageBytes.ToString();
            settings["ALERT_MAX_LENGTH"] = "10000";
            Tokens.Accept(settings);
            _instances[transport] = await TestInstance.StartAsync(settings);
        }
    }

    /// <summary>A raw client upgraded on <paramref name="transport"/>'s server, checked to have been upgraded by that transport, welcome read.</summary>
    public async Task<RawClient> UpgradeAsync(string transport, string target = "/ws")
    {
        var baseUri = this[transport].BaseUri;
        var (client, response) = await RawClient.UpgradeWithHeadAsync(baseUri, RawClient.Head(baseUri, target: target));
        // Kestrel's answers carry its Server header; the bare socket's do not.
        Assert.Equal(transport == Kestrel, response.Contains("\r\nServer: Kestrel\r\n"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances.Values)
            await instance.DisposeAsync();
    }
}

/// <summary>What protocol tests send and expect: alerts as the server's echo, since it broadcasts every alert to its sender too.</summary>
internal static class Echo
{
    /// <summary>An alert whose frame payload is exactly <paramref name="length"/> bytes (at least 40), padded in an ignored field.</summary>
    public static byte[] AlertOfLength(string text, int length)
    {
        string head = $$"""{"type":"alert","text":"{{text}}","pad":" """;
        const string Tail = "\"}";
        int pad = length - Encoding.UTF8.GetByteCount(head) - Tail.Length;
        Assert.True(pad >= 0, $"{length} bytes cannot hold the alert");
        return Encoding.UTF8.GetBytes(head + new string('p', pad) + Tail);
    }

    /// <summary>An alert holding <paramref name="text"/> as raw bytes between brackets (so trimming keeps them).</summary>
    public static byte[] AlertWithBytes(byte[] text) => [.. """{"type":"alert","text":"["""u8, .. text, .. """]"}"""u8];

    public static byte[] Alert(string text) => Encoding.UTF8.GetBytes($$"""{"type":"alert","text":"{{text}}"}""");

    /// <summary>Reads the next frame, checks it is an alert, and returns its text.</summary>
    public static async Task<string> ReadAlertTextAsync(this RawClient client)
    {
        var (first, payload) = await client.ReadFrameAsync();
        Assert.True(first == 0x81, $"expected an alert, got a frame with first byte 0x{first:X2}");
        using var json = System.Text.Json.JsonDocument.Parse(payload);
        Assert.True(json.RootElement.GetProperty("type").GetString() == "alert", $"expected an alert, got {Encoding.UTF8.GetString(payload)}");
        return json.RootElement.GetProperty("text").GetString()!;
    }

    /// <summary>Reads the next frame and checks it is an error frame with <paramref name="code"/>.</summary>
    public static async Task ReadErrorAsync(this RawClient client, string code)
    {
        string text = await client.ReadTextFrameAsync();
        Assert.Contains("\"type\":\"error\"", text);
        Assert.Contains($"\"code\":\"{code}\"", text);
    }
}
