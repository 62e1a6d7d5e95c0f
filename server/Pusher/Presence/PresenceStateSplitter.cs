using System.Text.Json;

namespace Notifications.Pusher.Presence;

/// <summary>Cuts an instance's state into <see cref="PresenceStatePart"/>s of at most <see cref="MaxPartBytes"/> of members each, well under the bus's 64 KiB cap.</summary>
internal static class PresenceStateSplitter
{
    public const int MaxPartBytes = 48 * 1024;

    public static List<PresenceStatePart> Split(string instance, long epoch, long seq, IReadOnlyList<PresenceEntry> entries)
    {
        var groups = new List<List<PresenceEntry>> { new() };
        int bytes = 0;
        foreach (var entry in entries)
        {
            // Measured as written, escapes and all; dumps are rare, exactness is worth more than speed here.
            int size = JsonSerializer.SerializeToUtf8Bytes(entry, PusherBusJsonContext.Default.PresenceEntry).Length + 1;
            if (bytes + size > MaxPartBytes && groups[^1].Count > 0)
            {
                groups.Add([]);
                bytes = 0;
            }
            groups[^1].Add(entry);
            bytes += size;
        }
        return [.. groups.Select((members, i) => new PresenceStatePart(instance, epoch, seq, i + 1, groups.Count, members))];
    }
}
