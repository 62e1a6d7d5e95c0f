namespace Notifications.Api;

internal enum IdempotencyCheck
{
    /// <summary>Not published from here lately: publish it.</summary>
    New,

    /// <summary>Published from here with the same content: answer with the same id and publish nothing.</summary>
    Repeat,

    /// <summary>Published from here with other content under the same key: refuse (409).</summary>
    Conflict,
}

/// <summary>
/// The idempotent publishes this instance had confirmed by the topic lately, by alert id, with the fingerprint
/// of what they held: the last <c>capacity</c>, oldest forgotten first. It saves a retry to the same instance
/// a second trip through the topic, and tells a reused key with another body from a retry.
/// </summary>
internal sealed class IdempotencyLog(int capacity = IdempotencyLog.DefaultCapacity)
{
    public const int DefaultCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _fingerprints = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public IdempotencyCheck Check(string id, byte[] fingerprint)
    {
        lock (_gate)
        {
            if (!_fingerprints.TryGetValue(id, out var known))
                return IdempotencyCheck.New;
            return known.AsSpan().SequenceEqual(fingerprint) ? IdempotencyCheck.Repeat : IdempotencyCheck.Conflict;
        }
    }

    public void Record(string id, byte[] fingerprint)
    {
        lock (_gate)
        {
            if (!_fingerprints.TryAdd(id, fingerprint))
                return;
            _order.Enqueue(id);
            if (_order.Count > capacity)
                _fingerprints.Remove(_order.Dequeue());
        }
    }
}
