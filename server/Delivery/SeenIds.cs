using Notifications.Messages;

namespace Notifications.Delivery;

/// <summary>
/// The most recent alert ids, oldest forgotten first: catches Pub/Sub's redeliveries in bounded memory. It always
/// holds the last <c>capacity</c> ids, and older ones while they are younger than <see cref="Retain"/> (a
/// redelivery comes after an ack deadline, or when a stream that was down opens again), up to <see cref="Ceiling"/>
/// ids in all: at a high rate, a count alone would forget an id before its repeat arrives. Kept as
/// <see cref="AlertKey"/>s, so remembering an id allocates nothing once the collections have grown to the rate.
/// </summary>
internal sealed class SeenIds(int capacity, TimeProvider clock)
{
    /// <summary>How long an id is kept at the least, however many come meanwhile (up to <see cref="Ceiling"/>).</summary>
    public static readonly TimeSpan Retain = TimeSpan.FromMinutes(1);

    /// <summary>The most ids kept, whatever their age: about 70 bytes each.</summary>
    public const int Ceiling = 250_000;

    // One over the capacity: an id is added before the oldest is forgotten.
    private readonly HashSet<AlertKey> _ids = new(capacity + 1);
    private readonly Queue<(AlertKey Key, long AddedAt)> _order = new(capacity + 1);

    /// <summary>Remembers the id; false if it was already remembered.</summary>
    public bool Add(string id)
    {
        var key = AlertKey.Of(id);
        if (!_ids.Add(key))
            return false;
        long now = clock.GetTimestamp();
        _order.Enqueue((key, now));
        while (_order.Count > capacity)
        {
            var (oldest, addedAt) = _order.Peek();
            if (_order.Count <= Ceiling && clock.GetElapsedTime(addedAt, now) < Retain)
                break;
            _order.Dequeue();
            _ids.Remove(oldest);
        }
        return true;
    }
}
