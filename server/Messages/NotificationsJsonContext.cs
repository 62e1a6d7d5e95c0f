using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Notifications.WebSockets;

namespace Notifications.Messages;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(AlertMessage))]
[JsonSerializable(typeof(ChannelAlertMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(PresenceMessage))]
[JsonSerializable(typeof(GoAwayMessage))]
[JsonSerializable(typeof(PongMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
[JsonSerializable(typeof(SubscribedMessage))]
[JsonSerializable(typeof(UnsubscribedMessage))]
[JsonSerializable(typeof(RefreshedMessage))]
internal sealed partial class NotificationsJsonContext : JsonSerializerContext;

/// <summary>
/// Serialises outbound messages once: socket-bound ones straight to a <see cref="SocketFrame"/> every
/// connection shares, bus-bound ones (alerts, heartbeats) to their UTF-8 JSON.
/// </summary>
internal static class Frames
{
    /// <summary>A scratch buffer larger than this (an alert with a large <c>data</c>) is let go rather than kept by its thread.</summary>
    private const int KeptScratchBytes = 16 * 1024;

    /// <summary>A broadcast of up to this many alerts keeps their payloads' lengths on the stack.</summary>
    private const int LengthsOnStack = 128;

    // Each thread serialises into its own scratch buffer, so a frame costs one array, not a JSON array and then its framed copy.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _scratch;
    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    private static NotificationsJsonContext Json => NotificationsJsonContext.Default;

    public static SocketFrame Welcome(WelcomeMessage message) => Text(message, Json.WelcomeMessage);

    /// <summary>The alert as its channel's sockets get it, framed.</summary>
    public static SocketFrame AlertFrame(AlertMessage message) => Text(message, Json.AlertMessage);

    /// <summary>
    /// Alerts as their sockets get them, framed back to back in one array (<see cref="SocketFrame.JoinText"/>), with
    /// where each alert's frame lies in it in <paramref name="frames"/>: what a broadcast of several sends.
    /// </summary>
    public static SocketFrame AlertFrames(ReadOnlySpan<AlertMessage> alerts, Span<Range> frames)
    {
        int[]? rentedLengths = null;
        Span<int> lengths = alerts.Length <= LengthsOnStack
            ? stackalloc int[alerts.Length]
            : (rentedLengths = ArrayPool<int>.Shared.Rent(alerts.Length)).AsSpan(0, alerts.Length);
        // The payloads gather in a pooled buffer, not the thread's scratch: a catch-up broadcast of many large
        // alerts would otherwise grow the scratch past what a thread keeps, and make a new one every time.
        byte[] payloads = ArrayPool<byte>.Shared.Rent(256 * alerts.Length);
        int written = 0;
        try
        {
            for (int i = 0; i < alerts.Length; i++)
            {
                var (scratch, writer) = Scratch();
                try
                {
                    JsonSerializer.Serialize(writer, alerts[i], Json.AlertMessage);
                    var payload = scratch.WrittenSpan;
                    if (written + payload.Length > payloads.Length)
                        payloads = Grown(payloads, written, written + payload.Length);
                    payload.CopyTo(payloads.AsSpan(written));
                    lengths[i] = payload.Length;
                    written += payload.Length;
                }
                finally
                {
                    LetGoIfLarge(scratch);
                }
            }
            return SocketFrame.JoinText(payloads.AsSpan(0, written), lengths, frames);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payloads);
            if (rentedLengths is not null)
                ArrayPool<int>.Shared.Return(rentedLengths);
        }
    }

    /// <summary>A pooled buffer of at least <paramref name="needed"/> bytes holding the first <paramref name="used"/> of <paramref name="buffer"/>, which goes back to the pool.</summary>
    private static byte[] Grown(byte[] buffer, int used, int needed)
    {
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 2 * buffer.Length));
        buffer.AsSpan(0, used).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(buffer);
        return grown;
    }

    /// <summary>The alert as its channel's sockets get it.</summary>
    public static byte[] Alert(AlertMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.AlertMessage);

    /// <summary>The alert as it travels on the topic: a <c>global</c> one as clients see it, any other as a <c>channel_alert</c>.</summary>
    public static byte[] TopicAlert(AlertMessage message) => message.IsGlobal
        ? Alert(message)
        : JsonSerializer.SerializeToUtf8Bytes(
            new ChannelAlertMessage(message.Id, message.Channel, message.Text, message.Region, message.Instance, message.SentAt, message.Data), Json.ChannelAlertMessage);

    public static SocketFrame Error(string code, string message, int? retryAfterMs = null, string? channel = null) =>
        Text(new ErrorMessage(code, message, retryAfterMs, channel), Json.ErrorMessage);

    public static SocketFrame Presence(PresenceMessage counts, DateTimeOffset? serverTime) =>
        Text(counts with { ServerTime = serverTime }, Json.PresenceMessage);

    public static SocketFrame GoAway(int reconnectAfterMs, DateTimeOffset? serverTime) =>
        Text(new GoAwayMessage(reconnectAfterMs, serverTime), Json.GoAwayMessage);

    public static SocketFrame Pong(DateTimeOffset? serverTime) => Text(new PongMessage(serverTime), Json.PongMessage);

    public static byte[] Heartbeat(HeartbeatMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Json.HeartbeatMessage);

    public static SocketFrame Subscribed(string channel, ResumeReport? resume, DateTimeOffset? serverTime) =>
        Text(new SubscribedMessage(channel, resume, serverTime), Json.SubscribedMessage);

    public static SocketFrame Unsubscribed(string channel, string? reason, DateTimeOffset? serverTime) =>
        Text(new UnsubscribedMessage(channel, reason, serverTime), Json.UnsubscribedMessage);

    public static SocketFrame Refreshed(DateTimeOffset expiresAt, DateTimeOffset? serverTime) =>
        Text(new RefreshedMessage(expiresAt, serverTime), Json.RefreshedMessage);

    /// <summary>The message serialised as <see cref="JsonSerializer.SerializeToUtf8Bytes{TValue}(TValue, JsonTypeInfo{TValue})"/> would, framed as one text frame.</summary>
    private static SocketFrame Text<T>(T message, JsonTypeInfo<T> info)
    {
        var (scratch, writer) = Scratch();
        try
        {
            JsonSerializer.Serialize(writer, message, info);
            return SocketFrame.Text(scratch.WrittenSpan);
        }
        finally
        {
            LetGoIfLarge(scratch);
        }
    }

    /// <summary>This thread's scratch buffer, emptied, and its writer, reset onto it.</summary>
    private static (ArrayBufferWriter<byte> Scratch, Utf8JsonWriter Writer) Scratch()
    {
        var scratch = _scratch ??= new ArrayBufferWriter<byte>(1024);
        var writer = _writer ??= new Utf8JsonWriter(scratch, new JsonWriterOptions
        {
            Encoder = Json.Options.Encoder,
            Indented = Json.Options.WriteIndented,
            SkipValidation = true,
        });
        scratch.ResetWrittenCount();
        writer.Reset(scratch);
        return (scratch, writer);
    }

    private static void LetGoIfLarge(ArrayBufferWriter<byte> scratch)
    {
        if (scratch.Capacity > KeptScratchBytes)
            (_scratch, _writer) = (null, null);
    }
}
