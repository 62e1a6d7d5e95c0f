using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Channels;

/// <summary>
/// Two instances (ams, syd) on the emulator, sharing a topic of their own, that accept test tokens
/// (<see cref="Tokens"/>) and let clients publish to <c>global</c>, <c>public:</c> and <c>team:</c> channels
/// (joining <c>team:</c> still needs a token that allows it).
/// </summary>
internal sealed class ChannelFleet : IAsyncDisposable
{
    private ChannelFleet(string topic, TestInstance[] instances) => (Topic, Instances) = (topic, instances);

    public string Topic { get; }
    public TestInstance[] Instances { get; }
    public TestInstance Ams => Instances[0];
    public TestInstance Syd => Instances[1];

    public static async Task<ChannelFleet> StartAsync(PubSubEmulator emulator, ITestOutputHelper output, Action<Dictionary<string, string?>>? configure = null)
    {
        string topic = TestInstance.NewTopic();
        var instances = await Task.WhenAll(new[] { "ams", "syd" }.Select(region =>
        {
            var settings = TestInstance.EmulatorSettings(emulator, topic, region);
            Tokens.Accept(settings);
            settings["CHANNELS_CLIENT_PUBLISH"] = "global,public:*,team:*";
            configure?.Invoke(settings);
            return TestInstance.StartAsync(settings, output);
        }));
        await Task.WhenAll(instances.Select(i => i.WaitReadyAsync()));
        return new ChannelFleet(topic, instances);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances)
            await instance.DisposeAsync();
    }
}
