using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Notifications.Tests.Faults;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Api;

/// <summary>Real instances on the emulator with the publish API on (the <see cref="ApiTestHost"/> keys), signed-in sockets, and a client per instance.</summary>
internal sealed class ApiFleet : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public List<TestInstance> Instances { get; } = [];

    public List<HttpClient> Clients { get; } = [];

    public List<int> MetricsPorts { get; } = [];

    /// <summary>The settings of one instance: the emulator (or a front before it), the API keys, tokens signed with the test secret, a metrics port.</summary>
    public static Dictionary<string, string?> Settings(PubSubEmulator emulator, string topic, string region, PubSubFront? front = null)
    {
        var settings = front is null ? TestInstance.EmulatorSettings(emulator, topic, region) : Fronted.Settings(emulator, front, topic, region);
        foreach (var (name, value) in ApiTestHost.DefaultSettings())
            settings[name] = value;
        (settings["METRICS_PORT"], settings["METRICS_HOST"]) = (PubSubEmulator.FreePort().ToString(), "127.0.0.1");
        return settings;
    }

    public static async Task<ApiFleet> StartAsync(PubSubEmulator emulator, ITestOutputHelper output, int count = 2, PubSubFront? front = null,
        Action<Dictionary<string, string?>>? tune = null)
    {
        var fleet = new ApiFleet();
        string topic = TestInstance.NewTopic();
        string[] regions = ["ams", "syd", "gru"];
        for (int i = 0; i < count; i++)
        {
            var settings = Settings(emulator, topic, regions[i], front);
            tune?.Invoke(settings);
            var instance = await TestInstance.StartAsync(settings, output);
            fleet._owned.Add(instance);
            fleet.Instances.Add(instance);
            fleet.MetricsPorts.Add(int.Parse(settings["METRICS_PORT"]!));
            fleet.Clients.Add(new HttpClient { BaseAddress = instance.BaseUri, Timeout = TimeSpan.FromSeconds(30) });
        }
        foreach (var instance in fleet.Instances)
            await instance.WaitReadyAsync();
        return fleet;
    }

    /// <summary>A socket on instance <paramref name="index"/>, signed in as <paramref name="user"/> (anonymous when null).</summary>
    public async Task<TestSocket> ConnectAsync(int index, string? user = null)
    {
        var headers = user is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token(user)}" };
        var socket = await TestSocket.ConnectAsync(Instances[index].SocketUri, headers: headers);
        _owned.Add(socket);
        return socket;
    }

    /// <summary>An HS256 connection token for <paramref name="user"/>, signed with the fleet's secret, valid for ten minutes.</summary>
    public static string Token(string user) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = user },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ApiTestHost.HsSecret)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>Redelivered or repeated alerts the instance dropped by id.</summary>
    public Task<double> DuplicatesAsync(int index) => Fronted.MetricAsync(MetricsPorts[index], "notifications_alerts_duplicates");

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
            client.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
    }
}
