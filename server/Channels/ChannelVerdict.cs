using Notifications.Messages;
using Notifications.WebSockets;

namespace Notifications.Channels;

/// <summary>The answer to "may this socket do that with this channel": allowed, or the error code and a sentence saying why not.</summary>
internal readonly record struct ChannelVerdict(string? Code, string? Message)
{
    public static ChannelVerdict Allow => default;

    public bool Allowed => Code is null;

    public static ChannelVerdict Refuse(string code, string message) => new(code, message);

    /// <summary>The refusal as an error frame; the channel is echoed only if it is a valid name, so no junk is reflected.</summary>
    public SocketFrame ErrorFrame(string? channel) => Frames.Error(Code!, Message!, channel: ChannelName.IsValid(channel) ? channel : null);
}
