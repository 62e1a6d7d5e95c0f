using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Connections;

/// <summary>
/// Goaway frames for a drain: reconnect hints drawn at random over the spread in 10 ms steps, each step's
/// frame serialised once and shared, as a broadcast shares its frame. Used by one thread.
/// </summary>
internal sealed class GoAwayFrames(int spreadMs)
{
    private const int StepMs = 10;

    private readonly SocketFrame?[] _frames = new SocketFrame?[Math.Max(1, spreadMs / StepMs)];

    public SocketFrame Next()
    {
        int step = Random.Shared.Next(_frames.Length);
        return _frames[step] ??= Frames.GoAway(step * StepMs);
    }
}
