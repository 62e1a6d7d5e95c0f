namespace Notifications.Tests.Protocol;

/// <summary>
/// A class of protocol tests, each a theory over <see cref="Transports"/>, on the two servers of
/// <see cref="ProtocolServers"/>, whose logs go to the test running at the time.
/// </summary>
public abstract class ProtocolTest : IClassFixture<ProtocolServers>
{
    protected ProtocolTest(ProtocolServers servers, ITestOutputHelper output)
    {
        Servers = servers;
        Servers.Output = output;
    }

    public static TheoryData<string> Transports => ProtocolServers.Transports;

    protected ProtocolServers Servers { get; }

    /// <summary>What the server sent, one word per frame: "alert", "error", "pong:payload", "close code".</summary>
    protected static List<string> Describe(List<(byte First, byte[] Payload)> frames) =>
        frames.Select(frame => (frame.First & 0x0F) switch
        {
            0x1 => System.Text.Encoding.UTF8.GetString(frame.Payload) switch
            {
                var t when t.Contains("\"type\":\"alert\"") => "alert",
                var t when t.Contains("\"type\":\"error\"") => "error",
                var t => t,
            },
            0xA => $"pong:{System.Text.Encoding.UTF8.GetString(frame.Payload)}",
            0x8 => $"close {(frame.Payload.Length >= 2 ? frame.Payload[0] << 8 | frame.Payload[1] : 0)}",
            var other => $"opcode {other}",
        }).ToList();
}
