namespace Notifications.Delivery;

/// <summary>The most recent alert ids, oldest forgotten first: catches Pub/Sub's redeliveries in bounded memory.</summary>
internal sealed class SeenIds(int capacity)
{
    private readonly HashSet<string> _ids = new(capacity, StringComparer.Ordinal);
    private readonly Queue<string> _order = new(capacity);

    /// <summary>Remembers the id; false if it was already remembered.</summary>
    public bool Add(string id)
    {
        if (!_ids.Add(id))
            return false;
        _order.Enqueue(id);
        if (_order.Count > capacity)
            _ids.Remove(_order.Dequeue());
        return true;
    }
}
