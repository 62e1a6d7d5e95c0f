namespace Notifications.Channels;

internal sealed partial class ChannelIndex<TMember>
{
    /// <summary>
    /// One channel's members. Most channels are a user's, with one member: that one is held in a field,
    /// with no array. Up to <see cref="ScanLimit"/> members are found by scanning; beyond, a position map
    /// makes a leave O(1). Locked with <c>lock (this)</c>, not a <see cref="Lock"/>: the monitor lives in
    /// the object's header, where a Lock would add an object to every user channel. Only the index sees it.
    /// </summary>
    private sealed class Members
    {
        private const int ScanLimit = 16;

        private TMember? _single;
        private TMember[]? _items;
        private Dictionary<TMember, int>? _positions;
        private int _count;
        private bool _visiting;

        public bool Removed { get; set; }

        public int Count => _count;

        public bool Add(TMember member)
        {
            ThrowIfVisiting();
            if (_items is null && _count == 0)
            {
                _single = member;
                _count = 1;
                return true;
            }
            if (Contains(member))
                return false;
            if (_items is null)
            {
                _items = new TMember[4];
                _items[0] = _single!;
                _single = null;
            }
            else if (_count == _items.Length)
            {
                Array.Resize(ref _items, _count * 2);
            }
            _items[_count] = member;
            _positions?.Add(member, _count);
            _count++;
            if (_positions is null && _count > ScanLimit)
                IndexPositions();
            return true;
        }

        public bool Remove(TMember member)
        {
            ThrowIfVisiting();
            if (_items is null)
            {
                if (_count == 0 || !ReferenceEquals(_single, member))
                    return false;
                _single = null;
                _count = 0;
                return true;
            }
            int at = IndexOf(member);
            if (at < 0)
                return false;
            // Swap the last into the hole: order means nothing here.
            int last = --_count;
            _items[at] = _items[last];
            _items[last] = null!;
            if (_positions is not null)
            {
                _positions.Remove(member);
                if (at != last)
                    _positions[_items[at]] = at;
            }
            return true;
        }

        public bool Contains(TMember member) => _items is null ? _count == 1 && ReferenceEquals(_single, member) : IndexOf(member) >= 0;

        public int VisitAll<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IChannelVisitor<TMember>
        {
            _visiting = true;
            try
            {
                if (_items is null)
                    return _count == 1 && visitor.Visit(_single!) ? 1 : 0;
                int took = 0;
                for (int i = 0; i < _count; i++)
                {
                    if (visitor.Visit(_items[i]))
                        took++;
                }
                return took;
            }
            finally
            {
                _visiting = false;
            }
        }

        private int IndexOf(TMember member)
        {
            if (_positions is not null)
                return _positions.TryGetValue(member, out int at) ? at : -1;
            for (int i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_items![i], member))
                    return i;
            }
            return -1;
        }

        private void IndexPositions()
        {
            _positions = new Dictionary<TMember, int>(_count * 2, ReferenceEqualityComparer.Instance);
            for (int i = 0; i < _count; i++)
                _positions[_items![i]] = i;
        }

        /// <summary>A visitor that joined or left this channel would change the list under its own loop.</summary>
        private void ThrowIfVisiting()
        {
            if (_visiting)
                throw new InvalidOperationException("A channel's members cannot change while it is being visited.");
        }
    }
}
