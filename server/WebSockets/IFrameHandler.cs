namespace Notifications.WebSockets;

/// <summary>Why a frame reader gave up on a client; each calls for its own close code (RFC 6455 §7.4.1).</summary>
internal enum FrameFault : byte
{
    /// <summary>1002: the frames break the protocol; nothing after them can be read.</summary>
    ProtocolError,

    /// <summary>1007: a text message is not UTF-8.</summary>
    InvalidText,

    /// <summary>1009: a message is over the size cap.</summary>
    MessageTooBig,
}

/// <summary>What a <see cref="FrameReader"/> found, for the connection that owns it to act on.</summary>
internal interface IFrameHandler
{
    /// <summary>A whole message, unmasked (text already checked to be UTF-8), in a buffer lent only for the call.</summary>
    void OnMessage(FrameOpcode opcode, ReadOnlySpan<byte> message);

    /// <summary>A ping to answer with a pong carrying <paramref name="payload"/>.</summary>
    void OnPing(ReadOnlySpan<byte> payload);

    /// <summary>The client broke the rules: it must get a close frame with the fault's code. A later fault (a bad close frame after an oversized message) comes after the first.</summary>
    void OnFault(FrameFault fault, string detail);
}
