namespace Notifications.Messages;

/// <summary>
/// An alert id as the windows and the dedup set keep it: an id in our own form (a lowercase UUID) as its 16 bytes,
/// any other as its string. Equal keys mean equal ids and keys sort as their ids do (ordinal), so what keeps many
/// of them holds no string per alert for the GC to promote.
/// </summary>
internal readonly struct AlertKey : IEquatable<AlertKey>, IComparable<AlertKey>
{
    private readonly Guid _uuid;
    private readonly string? _other;

    private AlertKey(Guid uuid, string? other) => (_uuid, _other) = (uuid, other);

    public static AlertKey Of(string id) =>
        id.Length == 36 && !id.AsSpan().ContainsAnyInRange('A', 'F') && Guid.TryParseExact(id, "D", out var uuid)
            ? new AlertKey(uuid, null)
            : new AlertKey(default, id);

    public bool Equals(AlertKey other) => _uuid == other._uuid && string.Equals(_other, other._other, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is AlertKey other && Equals(other);

    public override int GetHashCode() => _other is null ? _uuid.GetHashCode() : StringComparer.Ordinal.GetHashCode(_other);

    /// <summary>Ordinal, as the ids' strings compare: a UUID's fields compare unsigned, in the order its lowercase hex is written.</summary>
    public int CompareTo(AlertKey other) =>
        _other is null && other._other is null ? _uuid.CompareTo(other._uuid) : string.CompareOrdinal(ToString(), other.ToString());

    /// <summary>The id itself (made anew for a UUID).</summary>
    public override string ToString() => _other ?? _uuid.ToString();

    public static bool operator ==(AlertKey left, AlertKey right) => left.Equals(right);

    public static bool operator !=(AlertKey left, AlertKey right) => !left.Equals(right);
}
