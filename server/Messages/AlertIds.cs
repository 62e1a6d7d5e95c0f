namespace Notifications.Messages;

/// <summary>Alert ids minted here are UUIDv7: unique, and they carry their send time to the millisecond.</summary>
internal static class AlertIds
{
    /// <summary>The longest id an alert may carry, and so the longest resume point (<c>since</c>) worth reading.</summary>
    public const int MaxLength = 128;

    /// <summary>The longest resume point list worth reading: an alert id, a comma and a time id.</summary>
    public const int MaxSinceLength = MaxLength + 37;

    public static string New(DateTimeOffset sentAt) => Guid.CreateVersion7(sentAt).ToString();

    /// <summary>
    /// The points a resume (<c>since</c>) names, best first: the client's last alert id, then optionally, after a comma, a
    /// time id (a UUIDv7: the last server stamp the client heard after that alert), for when the instance has let the id
    /// go. Anything else is one point, so a foreign id with a comma in it still resumes.
    /// </summary>
    public static (string Point, string? Fallback) ResumePoints(string since)
    {
        int comma = since.LastIndexOf(',');
        if (comma > 0 && TryGetTime(since[(comma + 1)..], out _))
            return (since[..comma], since[(comma + 1)..]);
        return (since, null);
    }

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
