using System.Text.Json;
using Notifications.Connections;

namespace Notifications.Tests.Units;

/// <summary>A drain's goaway hints: spread over the window in 10 ms steps, each step's frame made once.</summary>
public sealed class GoAwayFramesTests
{
    [Fact]
    public void Hints_cover_the_spread_in_10_ms_steps_and_each_step_shares_one_frame()
    {
        var frames = new GoAwayFrames(3000);
        var drawn = Enumerable.Range(0, 20_000).Select(_ => frames.Next()).ToList();

        var hints = drawn.Distinct().Select(frame => (Frame: frame, Ms: Hint(frame.Bytes))).ToList();
        Assert.All(hints, h => Assert.True(h.Ms is >= 0 and < 3000 && h.Ms % 10 == 0, $"hint {h.Ms} ms"));
        Assert.Equal(hints.Count, hints.Select(h => h.Ms).Distinct().Count()); // one frame per step
        Assert.True(hints.Count > 250, $"{hints.Count} of 300 steps drawn"); // spread, not bunched
    }

    [Fact]
    public void No_spread_means_come_back_at_once()
    {
        Assert.Equal(0, Hint(new GoAwayFrames(0).Next().Bytes));
    }

    /// <summary>The reconnectAfterMs of a goaway text frame (a payload under 126 bytes: a two-byte header).</summary>
    private static int Hint(byte[] frame)
    {
        using var json = JsonDocument.Parse(frame.AsMemory(2));
        Assert.Equal("goaway", json.RootElement.GetProperty("type").GetString());
        return json.RootElement.GetProperty("reconnectAfterMs").GetInt32();
    }
}
