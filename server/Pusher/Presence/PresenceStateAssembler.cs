namespace Notifications.Pusher.Presence;

/// <summary>
/// Puts an instance's <see cref="PresenceStatePart"/>s back together. Only the newest dump per instance is
/// kept while it is incomplete, so a sender that never finishes costs one dump's worth of memory.
/// </summary>
internal sealed class PresenceStateAssembler
{
    public const int MaxParts = 1000;

    private sealed record Pending(long Epoch, long Seq, PresenceStatePart?[] Parts);

    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>The whole state once its last part arrives; null until then, and for parts of an older dump or malformed ones.</summary>
    public PresenceState? Add(PresenceStatePart part)
    {
        if (part.Parts is < 1 or > MaxParts || part.Part < 1 || part.Part > part.Parts)
            return null;
        if (!_pending.TryGetValue(part.Instance, out var pending) || IsNewer(part, pending))
            _pending[part.Instance] = pending = new Pending(part.Epoch, part.Seq, new PresenceStatePart?[part.Parts]);
        else if (part.Epoch != pending.Epoch || part.Seq != pending.Seq || part.Parts != pending.Parts.Length)
            return null;
        pending.Parts[part.Part - 1] = part;
        if (pending.Parts.Any(p => p is null))
            return null;
        _pending.Remove(part.Instance);
        return new PresenceState(part.Instance, part.Epoch, part.Seq, [.. pending.Parts.SelectMany(p => p!.Members)]);
    }

    private static bool IsNewer(PresenceStatePart part, Pending pending) =>
        part.Epoch > pending.Epoch || (part.Epoch == pending.Epoch && part.Seq > pending.Seq);
}
