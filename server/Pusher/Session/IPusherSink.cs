namespace Notifications.Pusher.Session;

/// <summary>The connection a <see cref="PusherSession"/> speaks through (phase 2: the connection's send queue). Called under the session's lock: never wait.</summary>
internal interface IPusherSink
{
    /// <summary>Enqueues one UTF-8 JSON text frame; the array may be shared with other connections and must not be changed.</summary>
    void Send(byte[] frame);

    /// <summary>Closes the connection with a Pusher close code after the frames already queued.</summary>
    void Close(int code, string reason);
}
