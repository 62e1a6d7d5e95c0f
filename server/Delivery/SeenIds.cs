namespace Notifications.Delivery;

/// <summary>
/// The most recent alert ids, oldest forgotten first: catches Pub/Sub's redeliveries in bounded memory.
/// An id in our own form (a lowercase UUID) is remembered as its 16 bytes, not as its string: the set is
/// allocated once, and holds no string per alert for the GC to promote and later collect in gen2.
/// </summary>
internal sealed class SeenIds(int capacity)
{
    // One over the capacity: an id is added before the oldest is forgotten, and neither may grow then.
    private readonly HashSet<SeenId> _ids = new(capacity + 1);
    private readonly Queue<SeenId> _order = new(capacity + 1);

    /// <summary>Remembers the id; false if it was already remembered.</summary>
    public bool Add(string id)
    {
        var key = SeenId.Of(id);
        if (!_ids.Add(key))
            return false;
        _order.Enqueue(key);
        if (_order.Count > capacity)
            _ids.Remove(_order.Dequeue());
        return true;
    }

    /// <summary>An id as a UUID when its string is the canonical lowercase form (so equal keys mean equal strings), else the string itself.</summary>
    private readonly record struct SeenId(Guid Uuid, string? Other)
    {
        public static SeenId Of(string id) =>
            id.Length == 36 && !id.AsSpan().ContainsAnyInRange('A', 'F') && Guid.TryParseExact(id, "D", out var uuid)
                ? new SeenId(uuid, null)
                : new SeenId(default, id);
    }
}
