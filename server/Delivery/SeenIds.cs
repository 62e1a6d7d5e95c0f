using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>
/// The most recent alert ids, oldest forgotten first: catches Pub/Sub's redeliveries in bounded memory. Kept as
/// <see cref="AlertKey"/>s in collections sized once, so remembering an id allocates nothing.
/// </summary>
internal sealed class SeenIds(int capacity)
{
    // One over the capacity: an id is added before the oldest is forgotten, and neither may grow then.
    private readonly HashSet<AlertKey> _ids = new(capacity + 1);
    private readonly Queue<AlertKey> _order = new(capacity + 1);

    /// <summary>Remembers the id; false if it was already remembered.</summary>
    public bool Add(string id)
    {
        var key = AlertKey.Of(id);
        if (!_ids.Add(key))
            return false;
        _order.Enqueue(key);
        if (_order.Count > capacity)
            _ids.Remove(_order.Dequeue());
        return true;
    }
}
