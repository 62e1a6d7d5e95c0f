namespace Notifications.Messages;

/// <summary>Alert ids minted here are UUIDv7: unique, and they carry their send time to the millisecond.</summary>
internal static class AlertIds
{
    /// <summary>The longest id an alert may carry, and so the longest resume point (<c>since</c>) worth reading.</summary>
    public const int MaxLength = 128;

    public static string New(DateTimeOffset sentAt) => Guid.CreateVersion7(sentAt).ToString();

    /// <summary>The time inside a UUIDv7 id; false for anything else (a foreign publisher's message id, say).</summary>
    public static bool TryGetTime(string id, out DateTimeOffset time)
    {
        time = default;
        if (!Guid.TryParseExact(id, "D", out var guid) || guid.Version != 7)
            return false;
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        long milliseconds = 0;
        for (int i = 0; i < 6; i++)
            milliseconds = (milliseconds << 8) | bytes[i];
        time = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return true;
    }
}
